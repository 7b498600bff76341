"""A poem's given text: its lines (pādas) and stanzas, and its metre where it is a known vṛtta.

The text file is UTF-8, one verse line per line, blank lines between stanzas; lines
may be Telugu script or English. :func:`read_text` gives a :class:`PoemText` or raises
:class:`~nishabdham.errors.InputError` naming the file (missing, unreadable, not UTF-8,
empty).

Metre: the classical Telugu vṛttas (utpalamāla, campakamāla, śārdūlam, mattēbham,
mattakōkila, taralam) have a fixed laghu/guru pattern per pāda and a fixed yati
(caesura) position. :func:`scan` marks each syllable of a line laghu (``I``) or guru
(``U``) by the usual rules (a long vowel, ``ṁ``/``ḥ``, or a following consonant
cluster or doubled consonant makes a guru); :func:`identify_metre` matches the
patterns (the last syllable of a pāda is free; one other slip is forgiven, as
published texts vary in spelling); :func:`yati_break` gives the word boundary
nearest the yati, where a pāda too long for one cue is split. The PyPI packages
``telugu-chandassu`` 0.2.0 (AGPL-3.0-only) and ``chandassu`` 2.7.2 (MIT; imports
matplotlib and draws a chart by default) were read and tried; neither is used
(see the README, "Known text").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import regex

from nishabdham.errors import InputError
from nishabdham.pipeline.telugu import to_iso, units

_TELUGU_LETTERS = regex.compile(r"[\p{Script=Telugu}\u200c\u200d]+")
_LONG = frozenset("ā ī ū ē ō ai au r̥̄ l̥̄".split())
_VOWELS = frozenset("a ā i ī u ū r̥ r̥̄ l̥ l̥̄ e ē o ō ai au".split())
_HEAVY_MARKS = frozenset(("ṁ", "ḥ"))
_GANAS = {
    "ya": "IUU", "ma": "UUU", "ta": "UUI", "ra": "UIU", "ja": "IUI", "bha": "UII", "na": "III", "sa": "IIU",
    "ga": "U", "la": "I", "va": "IU",
}  # fmt: skip
# name: (gaṇas, yati syllable, 1-based), from the standard definitions of the Telugu vṛttas.
_VRTTAS = {
    "utpalamāla": ("bha ra na bha bha ra va", 10),
    "campakamāla": ("na ja bha ja ja ja ra", 11),
    "śārdūlam": ("ma sa ja sa ta ta ga", 13),
    "mattēbham": ("sa bha ra na ma ya va", 14),
    "mattakōkila": ("ra sa ja ja bha ra", 11),
    "taralam": ("na bha ra sa ja ja ga", 12),
}
METRES = {name: ("".join(_GANAS[g] for g in ganas.split()), yati) for name, (ganas, yati) in _VRTTAS.items()}


@dataclass(frozen=True, slots=True)
class VerseLine:
    """One line (pāda) of the given text."""

    index: int
    """0-based, counting only non-blank lines."""
    number: int
    """1-based line number in the file (for messages)."""
    stanza: int
    """0-based stanza (blank lines separate stanzas)."""
    text: str
    """The line as given (punctuation kept), NFC, spaces collapsed."""

    @property
    def words(self) -> list[str]:
        return self.text.split()


@dataclass(frozen=True, slots=True)
class PoemText:
    """The given text of a reading."""

    path: str
    lines: tuple[VerseLine, ...]
    metre: str = ""
    """The vṛtta most lines scan as, or empty (not a known vṛtta, or prose)."""


def read_text(path: str | Path) -> PoemText:
    """Read a text file; a clear :class:`InputError` naming the file when it cannot be used."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError("text file not found", path=path) from exc
    except OSError as exc:
        raise InputError(f"text file cannot be read ({exc.strerror or exc})", path=path) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"text file is not UTF-8 (byte {exc.start} is invalid); save it as UTF-8", path=path) from exc
    poem = parse_text(text, str(path))
    if not poem.lines:
        raise InputError("text file is empty: it needs the poem, one verse line per line", path=path)
    return poem


def parse_text(text: str, path: str = "") -> PoemText:
    """Lines and stanzas of ``text`` (blank lines separate stanzas), and the metre."""
    lines: list[VerseLine] = []
    stanza, blank = 0, False
    for number, raw in enumerate(unicodedata.normalize("NFC", text).splitlines(), start=1):
        line = " ".join(raw.replace("\u00a0", " ").split())
        if not line:
            blank = True
            continue
        if blank and lines:
            stanza += 1
        blank = False
        lines.append(VerseLine(len(lines), number, stanza, line))
    return PoemText(path, tuple(lines), identify_metre([line.text for line in lines]))


def text_beside(audio: str | Path) -> Path | None:
    """The given text of a recording in a folder: ``poem.txt`` beside ``poem.mp3`` (or None)."""
    path = Path(audio).with_suffix(".txt")
    return path if path.is_file() else None


def text_options(audio: str | Path) -> dict[str, str]:
    """``{"text_sha256": ...}`` when the recording has a text beside it: a new text makes a new job."""
    import hashlib

    path = text_beside(audio)
    return {"text_sha256": hashlib.sha256(path.read_bytes()).hexdigest()} if path else {}


# --------------------------------------------------------------------------- metre


def scan(line: str) -> list[tuple[str, int]]:
    """(``U`` or ``I``, index of the word it starts in) for each syllable of a Telugu line."""
    seq: list[tuple[str, int]] = []
    for word_index, word in enumerate(line.split()):
        for piece in _TELUGU_LETTERS.findall(word):
            seq.extend((unit, word_index) for unit in units(to_iso(piece)) if unit != ":")
    syllables: list[tuple[str, int]] = []
    heavy: list[bool] = []
    onset_word: int | None = None
    for unit, word_index in seq:
        if unit in _VOWELS:
            syllables.append(("", word_index if onset_word is None else onset_word))
            heavy.append(unit in _LONG)
            onset_word = None
        elif unit in _HEAVY_MARKS and heavy:
            heavy[-1] = True
        elif unit == "m̐":
            continue
        elif onset_word is None:
            onset_word = word_index
    # a syllable is heavy when two or more consonants follow its vowel (a cluster, a doubled consonant, a final consonant)
    count, k = 0, -1
    for unit, _ in seq:
        if unit in _VOWELS:
            if k >= 0 and count >= 2:
                heavy[k] = True
            k, count = k + 1, 0
        elif unit not in _HEAVY_MARKS and unit != "m̐":
            count += 1
    if k >= 0 and count >= 1:
        heavy[k] = True
    return [("U" if h else "I", s[1]) for h, s in zip(heavy, syllables)]


def line_metre(line: str) -> str:
    """The vṛtta this line scans as (last syllable free, one slip forgiven), or empty."""
    pattern = "".join(mark for mark, _ in scan(line))
    for name, (metre, _) in METRES.items():
        if len(pattern) == len(metre) and sum(a != b for a, b in zip(pattern[:-1], metre[:-1])) <= 1:
            return name
    return ""


def identify_metre(lines: list[str]) -> str:
    """The vṛtta at least half of the long lines scan as, or empty."""
    long_lines = [line for line in lines if len(scan(line)) >= 16]
    if not long_lines:
        return ""
    found = [line_metre(line) for line in long_lines]
    best = max(set(found), key=found.count)
    return best if best and found.count(best) * 2 >= len(long_lines) else ""


def yati_break(line: str, metre: str) -> int | None:
    """Index of the first word after the split nearest the yati, or None (metre unknown, no such boundary)."""
    if metre not in METRES:
        return None
    syllables = scan(line)
    yati = METRES[metre][1]
    if len(syllables) < yati or len(line.split()) < 2:
        return None
    word = syllables[yati - 1][1]
    if word == 0:
        return 1
    # the yati syllable opens a word, or falls inside one: split before it, or after it when that is nearer
    inside = sum(1 for _, w in syllables[: yati - 1] if w == word)
    after = sum(1 for _, w in syllables[yati - 1 :] if w == word)
    return word if inside <= after or word + 1 >= len(line.split()) else word + 1
