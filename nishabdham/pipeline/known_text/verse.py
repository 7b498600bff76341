"""A poem's given text: its lines (pādas) and stanzas, and its metre where it is a known one.

The text file is UTF-8, one verse line per line, blank lines between stanzas; lines
may be Telugu script or English. :func:`read_text` gives a :class:`PoemText` or raises
:class:`~nishabdham.errors.InputError` naming the file (missing, unreadable, not UTF-8,
empty).

Metre. :func:`scan` marks each syllable of a line laghu (``I``) or guru (``U``) by the
usual rules (a long vowel, ``ṁ``/``ḥ``, or a following consonant cluster or doubled
consonant makes a guru; a syllable that is guru only by a cluster opening the next word
may also count as laghu, as Telugu prosody allows). Two kinds of metre are known:

* the vṛttas (utpalamāla, campakamāla, śārdūlam, mattēbham, mattakōkila, taralam): a fixed
  laghu/guru pattern per pāda and a fixed yati syllable; a line matches with its last
  syllable free and one other slip forgiven (published texts vary in spelling);
* the jātis and upajātis built of gaṇas (:data:`JATIS`): kandam (four-mātrā gaṇas, pādas
  of 3 and 5, no జ in an odd place of the half-verse, జ or నల 6th, a guru at its end; or a
  half-verse printed as one line), āṭaveladi (3 sūrya + 2 indra, then 5 sūrya), tēṭagīti
  (sūrya + 2 indra + 2 sūrya) and sīsam (4 pādas of 6 indra + 2 sūrya, whole or printed in
  halves, then an āṭaveladi or a tēṭagīti). :func:`parse_ganas` divides a pāda into the
  gaṇas of a form (a small dynamic programme; a final laghu may count as guru). A poem is a
  jāti when at least three quarters of its lines, and two, fit their place in the padyam's
  shape, counted from each stanza's start. Dvipada and taruvōja are not covered.

:func:`identify_metre` tries the vṛttas, then the jātis; :func:`pada_breaks` gives the word
boundaries where a pāda too long for one cue is split: the one nearest the yati (for a
jāti, the first syllable of the yati gaṇa), and for a sīsa pāda first between its halves,
then at each half's yati. Yati maitri (the letters' agreement) is not checked. The PyPI
packages ``telugu-chandassu`` 0.2.0 (AGPL-3.0-only) and ``chandassu`` 2.7.2 (MIT; imports
matplotlib and draws a chart by default) were read and tried; neither is used (see the
README, "Known text").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
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
    """The vṛtta most long lines scan as, or the jāti the lines fit, or empty (not a known metre, or prose)."""


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
    metre = identify_metre([line.text for line in lines], [line.stanza for line in lines])
    return PoemText(path, tuple(lines), metre)


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
    """(``U`` or ``I``, index of the word it is in) for each syllable of a Telugu line."""
    return [("I" if mark == "I" else "U", word) for mark, word in _syllables(line)]


def _syllables(line: str) -> list[tuple[str, int]]:
    """As :func:`scan`, with ``x`` for a syllable that is guru only by a cluster opening the next word.

    Telugu prosody lets such a syllable count as laghu (``కంచు మ్రోగినట్లు``: ``చు`` is laghu).
    """
    seq: list[tuple[str, int]] = []
    for word_index, word in enumerate(line.split()):
        for piece in _TELUGU_LETTERS.findall(word):
            seq.extend((unit, word_index) for unit in units(to_iso(piece)) if unit not in (":", "m̐"))
    marks: list[str] = []
    words: list[int] = []
    codas: list[list[int]] = []  # the word of each consonant between a vowel and the next
    for unit, word_index in seq:
        if unit in _VOWELS:
            marks.append("U" if unit in _LONG else "I")
            words.append(word_index)
            codas.append([])
        elif unit in _HEAVY_MARKS:
            if marks:
                marks[-1] = "U"
        elif codas:
            codas[-1].append(word_index)
    for k, coda in enumerate(codas):
        # heavy when two or more consonants follow the vowel (a cluster, a doubled consonant), or one ends the line
        if marks[k] == "I" and (len(coda) >= 2 or (k == len(codas) - 1 and coda)):
            marks[k] = "x" if k < len(codas) - 1 and words[k] not in coda else "U"
    return list(zip(marks, words))


def line_metre(line: str) -> str:
    """The vṛtta this line scans as (last syllable free, one slip forgiven), or empty."""
    pattern = _marks(line)
    for name, (metre, _) in METRES.items():
        if len(pattern) == len(metre) and sum(a != b for a, b in zip(pattern[:-1], metre[:-1])) <= 1:
            return name
    return ""


def identify_metre(lines: Sequence[str], stanzas: Sequence[int] | None = None) -> str:
    """The poem's metre: a vṛtta three in four Telugu lines scan as, else a jāti its pādas fit, else empty.

    ``stanzas`` (one number per line) restarts the padyam's shape at each stanza; without
    it the lines run on as one.
    """
    telugu = [line for line in lines if scan(line)]
    found = [metre for metre in (line_metre(line) for line in telugu if len(scan(line)) >= 16) if metre]
    best = max(sorted(set(found)), key=found.count, default="")
    if best and found.count(best) * 4 >= len(telugu) * 3:  # as for the jātis: a slip per poem, not a mix
        return best
    return jati_metre(lines, stanzas)


def pada_breaks(line: str, metre: str) -> tuple[int, ...]:
    """Word indices where a pāda of ``metre`` too long for one cue is split, strongest first.

    A vṛtta's pāda and most jāti pādas have one: the yati. A sīsa pāda has three: between
    its halves, then the yati of each half. Empty when the metre is unknown or the line
    does not fit it.
    """
    if len(line.split()) < 2:
        return ()
    syllables = _syllables(line)
    if metre in METRES:
        if line_metre(line) != metre:  # a line of the poem that does not scan: no yati to split at
            return ()
        yati = METRES[metre][1]
        return (_word_break(syllables, yati - 1, len(line.split())),)
    if metre not in JATIS:
        return ()
    pada = _jati_pada(syllables, metre)
    if pada is None:
        return ()
    form, starts = pada
    return tuple(dict.fromkeys(_word_break(syllables, starts[gana - 1], len(line.split())) for gana in form.breaks))


def yati_break(line: str, metre: str) -> int | None:
    """Index of the first word after the split nearest the yati (the strongest break), or None."""
    breaks = pada_breaks(line, metre)
    return breaks[0] if breaks else None


def _marks(line: str) -> str:
    return "".join(mark for mark, _ in scan(line))


def _pada_marks(syllables: list[tuple[str, int]], free_end: bool) -> str:
    """A pāda's marks for the gaṇa parse: ``x`` where either will do (a free syllable; a final laghu if ``free_end``).

    A final laghu is free when the next pāda opens with a cluster (it may be guru by
    position: a pāda of a kandam often ends inside a word), or when the next pāda is not known.
    """
    marks = "".join(mark for mark, _ in syllables)
    return marks[:-1] + "x" if free_end and marks.endswith("I") else marks


def _opens_with_cluster(line: str) -> bool:
    """Whether the line's first syllable starts with two or more consonants."""
    letters = _TELUGU_LETTERS.search(line)
    onset = 0
    for unit in units(to_iso(letters.group())) if letters else ():
        if unit in _VOWELS:
            break
        onset += unit not in _HEAVY_MARKS and unit not in (":", "m̐")
    return onset >= 2


def _word_break(syllables: list[tuple[str, int]], at: int, words: int) -> int:
    """The word boundary nearest syllable ``at`` (0-based): before its word, or after it when that is nearer."""
    word = syllables[at][1]
    if word == 0:
        return 1
    inside = sum(1 for _, w in syllables[:at] if w == word)
    after = sum(1 for _, w in syllables[at:] if w == word)
    return word if inside <= after or word + 1 >= words else word + 1


# --------------------------------------------------------------------------- jāti metres

# Gaṇas by their laghu/guru, per slot letter of a pāda form.
_SURYA = ("III", "UI")  # న, హ (గల)
_INDRA = ("IIII", "IIIU", "IIUI", "UII", "UIU", "UUI")  # నల, నగ, సల, భ, ర, త
_KANDA = ("UII", "IUI", "IIU", "IIII", "UU")  # భ, జ, స, నల, గగ: four mātrās each
_SLOTS = {
    "S": _SURYA,
    "I": _INDRA,
    "K": _KANDA,
    "O": tuple(g for g in _KANDA if g != "IUI"),  # a kandam gaṇa in an odd place of the half-verse: never జ
    "J": ("IUI", "IIII"),  # the 6th gaṇa of the kandam's half-verse: జ or నల
    "G": ("IIU", "UU"),  # the last gaṇa of the kandam's half-verse ends in a guru
}


@dataclass(frozen=True, slots=True)
class PadaForm:
    """The gaṇas of one kind of pāda, and where it may be split."""

    slots: str
    """One letter per gaṇa (see ``_SLOTS``): ``S`` sūrya, ``I`` indra, ``K`` ``O`` ``J`` ``G`` kandam."""
    breaks: tuple[int, ...]
    """1-based gaṇas that open a split, strongest first: the yati gaṇa; a line holding two pādas or halves
    (a sīsa pāda, a kandam half-verse) splits between them first."""


_ATA_ODD = PadaForm("SSSII", (4,))  # āṭaveladi 1st and 3rd pāda: 3 sūrya + 2 indra, yati at the 4th gaṇa
_ATA_EVEN = PadaForm("SSSSS", (4,))  # āṭaveladi 2nd and 4th pāda: 5 sūrya
_TETA = PadaForm("SIISS", (4,))  # tēṭagīti: sūrya + 2 indra + 2 sūrya
_SISA = PadaForm("IIIIIISS", (5, 3, 7))  # sīsam: 6 indra + 2 sūrya, halves of 4 gaṇas, yati at the 3rd and 7th
_SISA_FIRST = PadaForm("IIII", (3,))  # a sīsa pāda printed in two lines
_SISA_SECOND = PadaForm("IISS", (3,))
_KANDA_ODD = PadaForm("OKO", ())  # kandam 1st and 3rd pāda: gaṇas 1-3 of the half-verse
_KANDA_EVEN = PadaForm("KOJOG", (4,))  # 2nd and 4th: gaṇas 4-8, yati at its own 4th gaṇa
_KANDA_HALF = PadaForm("OKOKOJOG", (4, 7))  # a half-verse printed as one line: the 2nd pāda opens at gaṇa 4

_ATA = (_ATA_ODD, _ATA_EVEN) * 2
# name: the shapes of one padyam (the pāda forms in order); a stanza repeats its shape.
JATIS: dict[str, tuple[tuple[PadaForm, ...], ...]] = {
    "kandam": ((_KANDA_ODD, _KANDA_EVEN), (_KANDA_HALF,)),
    "āṭaveladi": ((_ATA_ODD, _ATA_EVEN),),
    "tēṭagīti": ((_TETA,),),
    "sīsam": (
        (_SISA,) * 4 + _ATA,
        (_SISA,) * 4 + (_TETA,) * 4,
        (_SISA_FIRST, _SISA_SECOND) * 4 + _ATA,
        (_SISA_FIRST, _SISA_SECOND) * 4 + (_TETA,) * 4,
    ),
}
JATI_SHARE = 0.75
"""A jāti is the poem's metre when at least this share of its lines (and two) fit their place in its shape."""


def parse_ganas(marks: str, slots: str) -> tuple[tuple[int, ...], ...]:
    """Every division of a pāda's ``marks`` (``I``, ``U``, ``x`` either) into gaṇas filling ``slots``.

    Each division is the 0-based syllable that opens each gaṇa.
    """

    @cache
    def rest(at: int, slot: int) -> tuple[tuple[int, ...], ...]:
        if slot == len(slots):
            return ((),) if at == len(marks) else ()
        found: list[tuple[int, ...]] = []
        for gana in _SLOTS[slots[slot]]:
            end = at + len(gana)
            if end <= len(marks) and all(m in (g, "x") for m, g in zip(marks[at:end], gana)):
                found.extend((at, *tail) for tail in rest(end, slot + 1))
        return tuple(found)

    return tuple(dict.fromkeys(rest(0, 0)))


def jati_metre(lines: Sequence[str], stanzas: Sequence[int] | None = None) -> str:
    """The jāti whose padyam shape the most lines fit (at least :data:`JATI_SHARE` of them, and two), or empty."""
    places = _places(stanzas if stanzas is not None else [0] * len(lines))
    clustered = [_opens_with_cluster(line) for line in lines[1:]] + [False]
    follows = [i + 1 < len(lines) and places[i + 1] > 0 for i in range(len(lines))]
    marks = [_pada_marks(_syllables(line), free_end=f and c) for line, f, c in zip(lines, follows, clustered)]
    best, best_fit = "", 0
    for name, shapes in JATIS.items():
        fit = max(sum(_fits_form(m, shape[p % len(shape)]) for m, p in zip(marks, places)) for shape in shapes)
        if fit > best_fit:
            best, best_fit = name, fit
    return best if best_fit >= 2 and best_fit >= JATI_SHARE * len(lines) else ""


def _places(stanzas: Sequence[int]) -> list[int]:
    """Each line's place in its stanza (0-based)."""
    places: list[int] = []
    for i, stanza in enumerate(stanzas):
        places.append(places[-1] + 1 if i and stanza == stanzas[i - 1] else 0)
    return places


def _fits_form(marks: str, form: PadaForm) -> bool:
    return bool(parse_ganas(marks, form.slots))


def _forms_of(metre: str) -> tuple[PadaForm, ...]:
    """The pāda forms of a jāti, in the order its shapes name them."""
    return tuple(dict.fromkeys(form for shape in JATIS[metre] for form in shape))


def _jati_pada(syllables: list[tuple[str, int]], metre: str) -> tuple[PadaForm, tuple[int, ...]] | None:
    """The pāda form of ``metre`` the line is, and its division into gaṇas, or None.

    The form with the most gaṇas wins (a whole sīsa pāda before its halves); among forms
    and divisions of one size, the one whose breaks open the most words (the yati usually
    opens a word), else the first.
    """
    marks = _pada_marks(syllables, free_end=True)
    parses = [(form, starts) for form in _forms_of(metre) for starts in parse_ganas(marks, form.slots)]
    if not parses:
        return None

    def opens_word(at: int) -> bool:
        return at == 0 or syllables[at - 1][1] != syllables[at][1]

    return max(parses, key=lambda p: (len(p[0].slots), sum(opens_word(p[1][g - 1]) for g in p[0].breaks)))
