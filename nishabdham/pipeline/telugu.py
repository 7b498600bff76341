"""Telugu spelling as sound units: ISO 15919 transliteration, units and skeletons.

Restoration works in ISO 15919 (via indic-transliteration, which round-trips
Telugu exactly): a Telugu word is a sequence of *units* (``k``, ``kh``, ``ā``,
``ṁ`` ...). A *skeleton* is a deliberately lossy key that forgets what
informal romanization does not write reliably — vowel length, aspiration,
retroflex versus dental, which nasal, doubled consonants — so that
``neeru``, ``niru`` and ``నీరు`` all have the skeleton ``niru``.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

_UNIT = regex.compile(r"r̥̄|r̥|l̥̄|l̥|m̐|ai|au|[kgcjṭḍtdpb]h|:|\X")
_TELUGU_WORD = regex.compile(r"^[\p{Script=Telugu}\u200c\u200d]+$")

VOWELS = frozenset("a ā i ī u ū r̥ r̥̄ l̥ l̥̄ e ē o ō ai au".split())
NASALS = frozenset("n ṇ ñ ṅ m".split())
MODIFIERS = frozenset(("ṁ", "ḥ", "m̐"))

_SKELETON = {
    "a": "a", "ā": "a", "i": "i", "ī": "i", "u": "u", "ū": "u", "e": "e", "ē": "e", "o": "o", "ō": "o",
    "ai": "ai", "au": "au", "r̥": "ri", "r̥̄": "ri", "l̥": "li", "l̥̄": "li",
    "k": "k", "kh": "k", "g": "g", "gh": "g", "c": "c", "ch": "c", "j": "j", "jh": "j",
    "ṭ": "t", "ṭh": "t", "t": "t", "th": "t", "ḍ": "d", "ḍh": "d", "d": "d", "dh": "d",
    "ṇ": "n", "n": "n", "ñ": "n", "ṅ": "n", "p": "p", "ph": "p", "b": "b", "bh": "b", "m": "m",
    "y": "y", "r": "r", "ṟ": "r", "l": "l", "ḷ": "l", "ḻ": "l", "v": "v", "ś": "s", "ṣ": "s", "s": "s",
    "h": "h", "ṁ": "M", "m̐": "M", "ḥ": "",
}  # fmt: skip


def is_telugu_word(text: str) -> bool:
    return bool(_TELUGU_WORD.match(text))


# ISO 15919 writes "k:h" for క్హ (not ఖ) and "a:i" for కఇ (not కై); indic-transliteration
# does not, so the separator is added around its call to keep the round trip exact.
_JOINER = "\u2060"
_NEEDS_SEPARATOR = regex.compile(
    r"(?<=[కగచజటడతదపబ]్)(?=హ)"  # a stop + virama, then హ: a cluster, not an aspirate
    r"|(?<=[\u0C15-\u0C39అ])(?=[ఇఉ])"  # an inherent or written a, then ఇ or ఉ: two vowels, not a diphthong
)


@lru_cache(maxsize=65536)
def to_iso(text: str) -> str:
    """Telugu script -> ISO 15919 (exact and reversible)."""
    from indic_transliteration import sanscript

    marked = _NEEDS_SEPARATOR.sub(_JOINER, text)
    return sanscript.transliterate(marked, sanscript.TELUGU, sanscript.ISO).replace(_JOINER, ":")


@lru_cache(maxsize=65536)
def from_iso(iso: str) -> str:
    """ISO 15919 -> Telugu script."""
    from indic_transliteration import sanscript

    marked = unicodedata.normalize("NFC", iso).replace(":", _JOINER)
    return sanscript.transliterate(marked, sanscript.ISO, sanscript.TELUGU).replace(_JOINER, "")


def to_iso_many(words: list[str]) -> list[str]:
    """Transliterate many words at once (one library call; about 3x faster than one by one)."""
    from indic_transliteration import sanscript

    if not words:
        return []
    marked = _NEEDS_SEPARATOR.sub(_JOINER, "\n".join(words))
    return sanscript.transliterate(marked, sanscript.TELUGU, sanscript.ISO).replace(_JOINER, ":").split("\n")


def units(iso: str) -> list[str]:
    """Split an ISO 15919 string into sound units (``kh`` and ``ai`` are one unit each)."""
    return _UNIT.findall(unicodedata.normalize("NFC", iso))


def is_consonant(unit: str) -> bool:
    return unit not in VOWELS and unit not in MODIFIERS and unit in _SKELETON


def skeleton_of_units(seq: list[str]) -> str:
    """The lossy matching key of a unit sequence."""
    out: list[str] = []
    for i, unit in enumerate(seq):
        key = _SKELETON.get(unit, "")
        nxt = seq[i + 1] if i + 1 < len(seq) else None
        if unit in NASALS and (nxt is None or is_consonant(nxt)) and not (nxt == unit):
            key = "M"  # a nasal before a consonant is written with the anusvara
        if key and out and key == out[-1] and key not in "aeiouM":
            continue  # doubled consonants collapse
        out.append(key)
    return "".join(out)


@lru_cache(maxsize=65536)
def skeleton(iso: str) -> str:
    return skeleton_of_units(units(iso))
