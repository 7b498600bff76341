"""``nishabdham evalset export MANIFEST [MANIFEST ...] --out DIR``: an evaluation set for fine-tuning.

Writes a Hugging Face ``datasets`` folder (``data/<split>-*.parquet`` with the
audio embedded, and a dataset card) that ``datasets.load_dataset(DIR)``
loads. Rows with a problem are reported with their manifest line; the others
are exported.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nishabdham.app.cli.common import warn


def register(subparsers) -> None:
    parser = subparsers.add_parser("evalset", help="evaluation-set tools", description=__doc__)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    export = actions.add_parser("export", help="export to a Hugging Face datasets folder", description=__doc__)
    export.add_argument("manifests", nargs="+", metavar="MANIFEST", help="evaluation-set manifests")
    export.add_argument("--out", required=True, metavar="DIR", help="the dataset folder to write")
    export.add_argument("--split", default="train", help="split name (default train); export again for another split")
    export.set_defaults(func=export_manifests)


def export_manifests(args: argparse.Namespace) -> int:
    from nishabdham.evaluation.export import export_evalset
    from nishabdham.evaluation.manifest import read_manifest

    entries, problems = [], []
    for manifest in args.manifests:
        found, bad = read_manifest(manifest)
        entries.extend(found)
        problems.extend(str(p) for p in bad)
    result = export_evalset(entries, Path(args.out), args.split)
    for problem in [*problems, *result.problems]:
        warn(problem)
    print(f"{result.rows} rows ({result.seconds:.1f} s of audio) written to {result.parquet}")
    return 1 if problems or result.problems else 0
