"""``nishabdham glossary suggest``: propose glossary terms from reviewers' corrections.

Reads approved corrections (manifest rows with the machine's ``hypothesis`` and
the reviewer's ``text``; by default ``<data_dir>/evalsets/reviewed/manifest.jsonl``),
finds the corrections seen at least ``--min-count`` times, and writes them as
glossary ``[[term]]`` tables to ``<data_dir>/glossary/suggestions.toml`` for a
reviewer to accept in the review UI. Terms already in ``--glossary`` files
are left out.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from nishabdham.app.cli.common import settings_from, warn
from nishabdham.errors import InputError


def register(subparsers) -> None:
    parser = subparsers.add_parser("glossary", help="glossary tools", description=__doc__)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    suggest = actions.add_parser("suggest", help="propose terms from reviewers' corrections", description=__doc__)
    suggest.add_argument(
        "manifests",
        nargs="*",
        metavar="MANIFEST",
        help="reviewed evaluation-set manifests (default: the reviewed set in the data folder)",
    )
    suggest.add_argument(
        "--min-count", type=int, default=2, metavar="N", help="how often a correction must recur (default 2)"
    )
    suggest.add_argument(
        "--glossary",
        action="append",
        default=[],
        metavar="FILE",
        help="an existing glossary whose terms are not suggested again (repeatable)",
    )
    suggest.add_argument("--out", metavar="FILE", help="where to write (default <data_dir>/glossary/suggestions.toml)")
    suggest.set_defaults(func=suggest_terms)


def suggest_terms(args: argparse.Namespace) -> int:
    from nishabdham.evaluation.glossary_suggest import known_forms, mine, to_toml
    from nishabdham.evaluation.manifest import read_manifest
    from nishabdham.files import atomic_write_text

    if args.min_count < 1:
        raise InputError("--min-count must be at least 1")
    settings = settings_from(args)
    manifests = [Path(m) for m in args.manifests] or [settings.data_dir / "evalsets" / "reviewed" / "manifest.jsonl"]
    entries, problems = [], 0
    for manifest in manifests:
        found, bad = read_manifest(manifest, check_files=False)
        entries.extend(found)
        for problem in bad:
            warn(str(problem))
        problems += len(bad)
    suggestions = mine(entries, min_count=args.min_count, known=known_forms(args.glossary))
    out = Path(args.out) if args.out else settings.data_dir / "glossary" / "suggestions.toml"
    header = (
        f"Glossary suggestions from reviewers' corrections ({len(entries)} rows of {', '.join(map(str, manifests))}),\n"
        f"made by `nishabdham glossary suggest` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.\n"
        "Each term is the reviewer's form; variants are what the machine wrote. Check gloss and kind before accepting."
    )
    atomic_write_text(out, to_toml(suggestions, header))
    for s in suggestions:
        print(f"{s.telugu} ({s.iso}) <- {', '.join(s.variants)}: {s.count} corrections")
    print(f"{len(suggestions)} suggestions written to {out}")
    return 1 if problems else 0
