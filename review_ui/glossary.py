"""Add a reviewed term to the user's glossary (``<data_dir>/glossary.toml``) in one step.

The file has the format of the project glossary: ``[[term]]`` tables with
``telugu``, ``iso``, ``variants``, ``gloss`` and ``kind``. A term is appended
as one table (after a comment naming the reviewer and the recording); the
whole file is re-read with :mod:`tomllib` before it replaces the old one, so
a bad entry never reaches the pipeline and nothing already there is lost.
"""

from __future__ import annotations

import fcntl
import json
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.errors import GlossaryError
from pipeline.script import script_counts
from pipeline.subtitles import atomic_write_text

#: What a term names (the glossary's ``kind``).
KINDS = ("poet", "deity", "place", "work", "prosody", "term")
GLOSSARY_NAME = "glossary.toml"


@dataclass(frozen=True, slots=True)
class GlossaryTerm:
    """One glossary entry as a reviewer adds it."""

    telugu: str
    iso: str = ""
    variants: tuple[str, ...] = ()
    gloss: str = ""
    kind: str = "term"


def user_glossary(data_dir: str | Path) -> Path:
    return Path(data_dir) / GLOSSARY_NAME


def check_term(term: GlossaryTerm) -> GlossaryTerm:
    """The term cleaned (NFC, trimmed, variants unique) or GlossaryError saying what is wrong."""
    telugu = unicodedata.normalize("NFC", " ".join(term.telugu.split()))
    if not telugu:
        raise GlossaryError("a glossary term needs its Telugu spelling")
    if "Telugu" not in script_counts(telugu):
        raise GlossaryError(f"'{telugu}' is not written in Telugu script")
    if term.kind not in KINDS:
        raise GlossaryError(f"kind '{term.kind}' is not one of {', '.join(KINDS)}")
    variants = []
    for variant in term.variants:
        variant = unicodedata.normalize("NFC", " ".join(variant.split()))
        if variant and variant != telugu and variant not in variants:
            variants.append(variant)
    return GlossaryTerm(telugu, " ".join(term.iso.split()), tuple(variants), " ".join(term.gloss.split()), term.kind)


def term_toml(term: GlossaryTerm, note: str = "") -> str:
    """The ``[[term]]`` table for one term (TOML basic strings, Telugu kept readable)."""
    lines = [f"# {' '.join(note.split())}"] if note else []
    lines += [
        "[[term]]",
        f"telugu = {_string(term.telugu)}",
        f"iso = {_string(term.iso)}",
        f"variants = [{', '.join(_string(v) for v in term.variants)}]",
        f"gloss = {_string(term.gloss)}",
        f"kind = {_string(term.kind)}",
    ]
    return "\n".join(lines) + "\n"


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def add_term(path: str | Path, term: GlossaryTerm, *, reviewer: str, job: str = "") -> GlossaryTerm:
    """Append ``term`` to the glossary at ``path`` (created if missing); refuse a term already there."""
    path = Path(path)
    term = check_term(term)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        existing = _parse(old, path)
        if any(entry.get("telugu") == term.telugu for entry in existing.get("term", [])):
            raise GlossaryError(f"'{term.telugu}' is already in the glossary", path=path)
        note = f"added by {reviewer} on {date.today().isoformat()}" + (f" reviewing job {job}" if job else "")
        new = (old.rstrip("\n") + "\n\n" if old.strip() else "") + term_toml(term, note)
        _parse(new, path)
        atomic_write_text(path, new)
    return term


def _parse(text: str, path: Path) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GlossaryError(f"not valid TOML ({exc}); fix the file by hand, nothing was changed", path=path) from exc
