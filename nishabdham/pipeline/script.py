"""Writing systems and grapheme clusters.

Telugu length is counted in grapheme clusters (aksharas), never in code points:
``ప్రవహించింది`` is 12 code points but 5 aksharas on screen. Every length rule,
reading-speed figure and error rate in the project goes through
:func:`graphemes`.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache

import regex

_GRAPHEME = regex.compile(r"\X")
_LETTER_CLUSTER = regex.compile(r"\p{L}")

#: Scripts we name explicitly; anything else with letters is "Other".
KNOWN_SCRIPTS = (
    "Telugu",
    "Latin",
    "Devanagari",
    "Kannada",
    "Tamil",
    "Malayalam",
    "Bengali",
    "Gujarati",
    "Gurmukhi",
    "Oriya",
    "Arabic",
    "Cyrillic",
    "Greek",
    "Han",
    "Hiragana",
    "Katakana",
    "Hangul",
    "Thai",
    "Sinhala",
)
_SCRIPT_PATTERNS = [(name, regex.compile(rf"\p{{Script={name}}}")) for name in KNOWN_SCRIPTS]

#: Scripts whose graphemes are wide or stacked; they get the shorter line limit.
COMPLEX_SCRIPTS = frozenset(KNOWN_SCRIPTS) - {"Latin", "Cyrillic", "Greek"}


def graphemes(text: str) -> list[str]:
    """Split text into extended grapheme clusters (aksharas for Telugu)."""
    return _GRAPHEME.findall(text)


def grapheme_len(text: str) -> int:
    """Length as a reader sees it: grapheme clusters, not code points."""
    return len(_GRAPHEME.findall(text))


@lru_cache(maxsize=4096)
def char_script(ch: str) -> str:
    """The script of one character: a name from KNOWN_SCRIPTS, "Other" or "Common"."""
    for name, pattern in _SCRIPT_PATTERNS:
        if pattern.match(ch):
            return name
    if regex.match(r"\p{L}", ch):
        return "Other"
    return "Common"


def script_counts(text: str) -> Counter[str]:
    """Count letter-bearing grapheme clusters per script (marks go with their base)."""
    counts: Counter[str] = Counter()
    for cluster in _GRAPHEME.findall(text):
        letter = _LETTER_CLUSTER.search(cluster)
        if letter:
            counts[char_script(letter.group())] += 1
    return counts


def dominant_script(text: str) -> str:
    """The script with most letters in ``text``; ``""`` when there are no letters."""
    counts = script_counts(text)
    if not counts:
        return ""
    return counts.most_common(1)[0][0]


def script_share(text: str, script: str = "Telugu") -> float:
    """Share of letter clusters written in ``script`` (1.0 for text without letters)."""
    counts = script_counts(text)
    total = sum(counts.values())
    return counts[script] / total if total else 1.0


def is_complex(text: str) -> bool:
    """True when any letter of ``text`` is in a complex (wide or stacked) script."""
    return any(script in COMPLEX_SCRIPTS for script in script_counts(text))


_PUNCTUATION = regex.compile(r"[\p{P}\p{S}]+")


def normalize_text(text: str) -> str:
    """NFC, no punctuation or symbols, marks kept (never Whisper's BasicTextNormalizer), Latin lower-cased, single spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _PUNCTUATION.sub(" ", text)
    return " ".join(text.lower().split())
