"""Glossary suggestions mined from reviewers' corrections.

Every reviewed row holds what the machine wrote (``hypothesis``) and what the
reviewer made of it (``text``). Aligning the two word by word gives the
corrections: each stretch of words the reviewer changed, machine form →
reviewer's form. A correction seen at least twice is a pattern worth a
glossary term: the reviewer's form becomes the term and the machine's forms
its variants, written in the glossary's own TOML format (``[[term]]`` tables
with ``telugu``, ``iso``, ``variants``, ``gloss``, ``kind``) for a reviewer
to accept in the review UI.
"""

from __future__ import annotations

import json
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nishabdham.errors import GlossaryError
from nishabdham.evaluation.manifest import ManifestEntry, latest_per_job
from nishabdham.evaluation.metrics import align_words, word_script

#: Kinds of glossary term (as in the glossary file); a suggestion starts as ``term``.
KINDS = ("poet", "deity", "place", "work", "prosody", "term")
MAX_WORDS = 3


@dataclass(frozen=True, slots=True)
class Correction:
    """One change a reviewer made: the machine's words and the reviewer's, and where."""

    machine: str
    reviewer: str
    where: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed glossary term: the reviewer's form, its ISO 15919 spelling, the machine's forms."""

    telugu: str
    iso: str
    variants: tuple[str, ...]
    count: int
    evidence: tuple[str, ...]
    gloss: str = ""
    kind: str = "term"


def corrections(reference: str, hypothesis: str, where: str = "", max_words: int = MAX_WORDS) -> list[Correction]:
    """The stretches the reviewer changed (neighbouring edits joined), at most ``max_words`` on each side.

    Pure insertions and deletions are not corrections of a form, so both sides
    must have words; longer stretches are rewrites, not terms.
    """
    found: list[Correction] = []
    ref: list[str] = []
    hyp: list[str] = []
    for span in [*align_words(reference, hypothesis), None]:
        if span is not None and span.op != "equal":
            ref.extend(span.ref)
            hyp.extend(span.hyp)
            continue
        if ref and hyp and len(ref) <= max_words and len(hyp) <= max_words:
            found.append(Correction(" ".join(hyp), " ".join(ref), where))
        ref, hyp = [], []
    return found


def mine(
    entries: Iterable[ManifestEntry],
    *,
    min_count: int = 2,
    known: dict[str, set[str]] | None = None,
) -> list[Suggestion]:
    """Suggestions from reviewed rows: reviewer's Telugu forms with machine forms seen ``min_count`` times.

    Rows without a ``hypothesis`` are skipped; so are corrections into a
    non-Telugu form (English words are not glossary terms) and machine forms
    the glossary (``known``: term → its forms) already maps to that term.
    """
    known = known or {}
    entries = list(entries)
    current = {id(row) for row in latest_per_job([e.row for e in entries])}  # a re-approval counts once
    seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for entry in (e for e in entries if id(e.row) in current):
        if entry.row.hypothesis is None:
            continue
        where = f"{entry.manifest.name}:{entry.line}"
        for c in corrections(entry.row.text, entry.row.hypothesis, where):
            if word_script(c.reviewer) == "Telugu" and c.machine not in known.get(c.reviewer, ()):
                seen[c.reviewer][c.machine].append(c.where)
    suggestions = []
    for term, forms in seen.items():
        variants = {m: w for m, w in forms.items() if len(w) >= min_count}
        if not variants:
            continue
        ordered = sorted(variants, key=lambda m: (-len(variants[m]), m))
        evidence = tuple(w for m in ordered for w in variants[m])
        suggestions.append(Suggestion(term, iso_15919(term), tuple(ordered), len(evidence), evidence))
    return sorted(suggestions, key=lambda s: (-s.count, s.telugu))


def iso_15919(telugu: str) -> str:
    """ISO 15919 romanization of Telugu text."""
    from indic_transliteration import sanscript

    return sanscript.transliterate(telugu, sanscript.TELUGU, sanscript.ISO)


def known_forms(paths: Sequence[str | Path]) -> dict[str, set[str]]:
    """Term → its spelling and variants, from glossary TOML files (``[[term]]`` tables)."""
    known: dict[str, set[str]] = defaultdict(set)
    for path in map(Path, paths):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise GlossaryError("glossary not found", path=path) from exc
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise GlossaryError(f"glossary cannot be read: {exc}", path=path) from exc
        terms = data.get("term", [])
        if not isinstance(terms, list) or not all(isinstance(t, dict) for t in terms):
            raise GlossaryError("expected [[term]] tables", path=path)
        for number, term in enumerate(terms, 1):
            telugu = term.get("telugu")
            variants = term.get("variants", [])
            if not isinstance(telugu, str) or not isinstance(variants, list):
                raise GlossaryError(f'term {number} needs telugu = "..." and variants = [...]', path=path)
            known[telugu].update({telugu, *map(str, variants)})
    return dict(known)


def to_toml(suggestions: Sequence[Suggestion], header: str = "") -> str:
    """Suggestions as glossary TOML, each with a comment saying where it was seen."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for s in suggestions:
        shown = ", ".join(s.evidence[:8]) + (", ..." if len(s.evidence) > 8 else "")
        lines += ["", f"# corrected {s.count} times: {shown}", "[[term]]"]
        lines.append(f"telugu = {_string(s.telugu)}")
        lines.append(f"iso = {_string(s.iso)}")
        lines.append("variants = [" + ", ".join(_string(v) for v in s.variants) + "]")
        lines.append(f"gloss = {_string(s.gloss)}")
        lines.append(f"kind = {_string(s.kind)}")
    return "\n".join(lines) + "\n"


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, plus DEL)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
