"""The glossary of culturally significant terms: poets, deities, places, works, metres.

A plain TOML file that people review and edit (``nishabdham/pipeline/data/glossary.toml``
ships a starter set; ``<data_dir>/glossary.toml`` holds an organisation's own
terms and reviewers' additions)::

    [[term]]
    telugu = "పోతన"
    iso = "pōtana"                  # ISO 15919; must match the Telugu exactly
    kind = "poet"                   # poet, deity, place, work, prosody or term
    gloss = "Bammera Potana, poet of the Andhra Maha Bhagavatamu (15th c.)"
    variants = ["pothana", "potana"] # common mishearings and spellings

It is used twice: as ``hotwords`` for the decoder, and to correct near misses
deterministically, matched on the romanized form (skeletons, so ``pothana``,
``potana`` and a restored ``పోతణ`` all meet ``పోతన``).
"""

from __future__ import annotations

import logging
import tomllib
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import regex

from nishabdham.errors import GlossaryError
from nishabdham.files import atomic_write_text
from nishabdham.pipeline.codeswitch.restore import latin_skeleton, normalize_latin
from nishabdham.pipeline.telugu import from_iso, is_telugu_word, skeleton, to_iso

log = logging.getLogger(__name__)

KINDS = ("poet", "deity", "place", "work", "prosody", "term")
_LATIN_VARIANT = regex.compile(r"^[a-z][a-z' -]*$")


@dataclass(frozen=True, slots=True)
class Term:
    """One glossary entry."""

    telugu: str
    iso: str
    kind: str
    gloss: str
    variants: tuple[str, ...] = ()
    source: str = ""
    line: int = 0

    @property
    def words(self) -> int:
        return len(self.telugu.split())

    @property
    def latin(self) -> str:
        """How the decoder is likely to write it in Latin letters (for hotwords)."""
        return self.variants[0] if self.variants else _plain(self.iso)


@dataclass(frozen=True)
class Glossary:
    """Terms with a skeleton index for near-miss matching."""

    terms: tuple[Term, ...]
    index: dict[str, Term] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.terms)

    def match(self, key: str, max_distance: int | None = None) -> Term | None:
        """The term whose skeleton is ``key`` or, for long terms, within a small distance."""
        if key in self.index:
            return self.index[key]
        if max_distance is None:
            max_distance = 1 if len(key) >= 7 else 0
        if not max_distance:
            return None
        from rapidfuzz.distance import Levenshtein
        from rapidfuzz.process import extractOne

        hit = extractOne(key, list(self.index), scorer=Levenshtein.distance, score_cutoff=max_distance)
        return self.index[hit[0]] if hit else None

    def hotwords(self, limit: int, script: str = "latin") -> str:
        """The first ``limit`` terms, as the decoder should see them."""
        chosen = self.terms[:limit]
        return ", ".join(t.latin.title() if script == "latin" else t.telugu for t in chosen)


def starter_path() -> Path:
    return Path(str(resources.files("nishabdham.pipeline") / "data" / "glossary.toml"))


def load_glossary(*paths: str | Path) -> Glossary:
    """Read and validate glossary files; later files add to earlier ones (never silently replace)."""
    terms: list[Term] = []
    for path in paths:
        path = Path(path)
        if path.is_file():
            terms.extend(read_terms(path))
    return build_index(terms)


def read_terms(path: Path) -> list[Term]:
    """Parse one glossary file; every problem names the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GlossaryError(f"cannot be read ({exc})", path=path) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GlossaryError(f"is not valid TOML: {exc}", path=path) from exc
    entries = data.get("term", [])
    if not isinstance(entries, list):
        raise GlossaryError("`term` must be an array of tables ([[term]])", path=path)
    lines = _term_lines(text)
    return [_term(entry, path, lines[i] if i < len(lines) else 0) for i, entry in enumerate(entries)]


def _term(entry: dict, path: Path, line: int) -> Term:
    where = f"line {line}"

    def bad(message: str) -> GlossaryError:
        return GlossaryError(f"{where}: {message}", path=path)

    for name in ("telugu", "kind", "gloss"):
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise bad(f"`{name}` is missing or empty")
    telugu = unicodedata.normalize("NFC", entry["telugu"].strip())
    if not all(is_telugu_word(w) for w in telugu.split()):
        raise bad(f"`telugu` = {telugu!r} is not Telugu script")
    if from_iso(to_iso(telugu)) != telugu:
        raise bad(f"`telugu` = {telugu!r} is not well-formed Telugu")
    iso = unicodedata.normalize("NFC", str(entry.get("iso", "")).strip()) or to_iso(telugu)
    if iso != to_iso(telugu):
        raise bad(f"`iso` = {iso!r} does not match {telugu!r} (ISO 15919 is {to_iso(telugu)!r})")
    if entry["kind"] not in KINDS:
        raise bad(f"`kind` = {entry['kind']!r}; choose from {', '.join(KINDS)}")
    variants = entry.get("variants", [])
    if not isinstance(variants, list) or not all(isinstance(v, str) and _LATIN_VARIANT.match(v) for v in variants):
        raise bad("`variants` must be a list of lower-case Latin spellings")
    return Term(telugu, iso, entry["kind"], entry["gloss"].strip(), tuple(variants), str(path), line)


def _term_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[term]]"]


def build_index(terms: list[Term]) -> Glossary:
    """Index every term by the skeletons of its spellings; report conflicts instead of overriding."""
    by_telugu: dict[str, Term] = {}
    index: dict[str, Term] = {}
    conflicts: list[str] = []
    kept: list[Term] = []
    for term in terms:
        if term.telugu in by_telugu:
            first = by_telugu[term.telugu]
            if (first.kind, first.gloss) != (term.kind, term.gloss):
                conflicts.append(
                    f"{term.telugu}: defined twice differently ({_where(first)} and {_where(term)}); the first is used"
                )
            continue
        by_telugu[term.telugu] = term
        kept.append(term)
    ambiguous: set[str] = set()
    for term in kept:
        for key in _keys(term):
            other = index.get(key)
            if other is not None and other.telugu != term.telugu:
                conflicts.append(
                    f"spelling {key!r} fits both {other.telugu} ({_where(other)}) and {term.telugu} ({_where(term)}); not corrected"
                )
                ambiguous.add(key)
            index.setdefault(key, term)
    for key in ambiguous:
        index.pop(key, None)
    for message in conflicts:
        log.warning("glossary conflict: %s", message)
    return Glossary(tuple(kept), index, tuple(conflicts))


def _keys(term: Term) -> set[str]:
    keys = {skeleton(term.iso.replace(" ", ""))}
    keys.update(latin_skeleton(normalize_latin(v.replace(" ", ""))) for v in term.variants)
    return {k for k in keys if len(k) >= 3}


def _where(term: Term) -> str:
    return f"{Path(term.source).name} line {term.line}"


def _plain(iso: str) -> str:
    decomposed = unicodedata.normalize("NFD", iso.replace("ṁ", "m"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def append_term(path: Path, term: Term) -> None:
    """Add a reviewed term to a user glossary file atomically (the review UI's one-step add)."""
    existing = {t.telugu for t in read_terms(path)} if path.is_file() else set()
    if term.telugu in existing:
        raise GlossaryError(f"{term.telugu} is already in the glossary", path=path)
    block = (
        "\n[[term]]\n"
        f'telugu = "{term.telugu}"\n'
        f'iso = "{term.iso}"\n'
        f'kind = "{term.kind}"\n'
        f"gloss = {_toml_string(term.gloss)}\n"
        f"variants = [{', '.join(_toml_string(v) for v in term.variants)}]\n"
    )
    old = path.read_text(encoding="utf-8") if path.is_file() else "# Glossary terms added by reviewers.\n"
    atomic_write_text(path, old + block)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
