"""Which language and script each word is in.

Every word gets one of four kinds:

* ``telugu`` — written in Telugu script;
* ``english`` — an English word in Latin letters;
* ``romanized`` — Telugu written in Latin letters (to be restored);
* ``other`` — another script (Devanagari, Kannada, Arabic ...), or no letters.

English versus romanized Telugu is decided from evidence, not a hand list: how
likely the word is as English (wordfreq), how well it restores to Telugu
(channel cost plus a real-word or spelling prior, :mod:`nishabdham.pipeline.codeswitch.restore`),
and context — a two-state Viterbi over the segment where each switch of
language costs ``switch_cost``, so a lone ``me`` inside Telugu stays Telugu
and ``bridge`` inside Telugu stays English.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import regex

from nishabdham.pipeline.codeswitch import english
from nishabdham.pipeline.codeswitch.restore import Restoration, Restorer
from nishabdham.pipeline.script import dominant_script

_LETTER = regex.compile(r"\p{L}")

TELUGU, ENGLISH, ROMANIZED, OTHER = "telugu", "english", "romanized", "other"


@dataclass(frozen=True, slots=True)
class LangIdOptions:
    """Options of per-word language identification."""

    switch_cost: float = 4.0
    """Cost (nats) of switching between English and Telugu between two words."""
    telugu_prior: float = 0.5
    """Prior probability that a Latin word is romanized Telugu (0.5 when the language is auto)."""
    unknown_is_telugu: bool = False
    """Latin words English has never seen are romanized Telugu (for text Whisper decoded as Telugu)."""


@dataclass(frozen=True, slots=True)
class Token:
    """A word with its kind and, for romanized Telugu, its restoration."""

    text: str
    kind: str
    script: str
    restoration: Restoration | None = None


def script_kind(word: str) -> str:
    """The kind a word has from its script alone (Latin words are decided later)."""
    if not _LETTER.search(word):
        return OTHER
    script = dominant_script(word)
    if script == "Telugu":
        return TELUGU
    if script == "Latin":
        return ENGLISH  # provisional: English or romanized Telugu
    return OTHER


def classify(words: Sequence[str], restorer: Restorer, options: LangIdOptions = LangIdOptions()) -> list[Token]:
    """Kinds for a segment's words, deciding English versus romanized Telugu in context."""
    kinds = [script_kind(w) for w in words]
    evidence: list[tuple[float, float] | None] = []
    restorations: list[Restoration | None] = []
    for word, kind in zip(words, kinds):
        restoration = restorer.restore(word) if kind == ENGLISH else None
        restorations.append(restoration)
        if kind == ENGLISH and options.unknown_is_telugu and restoration and english.zipf(word) == 0:
            evidence.append((-80.0, -restoration.cost))
        elif kind == ENGLISH:
            evidence.append((english.log_prob(word), -restoration.cost if restoration else -80.0))
        else:
            evidence.append(None)
    labels = _label(evidence, kinds, options.telugu_prior, options.switch_cost)
    # The segment's own mix is the better prior: estimate it, then label again (one EM step).
    latin = [label for label, kind in zip(labels, kinds) if kind == ENGLISH]
    telugu_words = sum(1 for k in kinds if k == TELUGU) + latin.count(ROMANIZED)
    total = telugu_words + latin.count(ENGLISH)
    if total >= 3:
        mix = min(max(telugu_words / total, 0.1), 0.9)
        labels = _label(evidence, kinds, mix, options.switch_cost)
    out = []
    for word, kind, label, restoration in zip(words, kinds, labels, restorations):
        script = dominant_script(word) or "Common"
        if kind == ENGLISH and label == ROMANIZED:
            out.append(Token(word, ROMANIZED, script, restoration))
        else:
            out.append(Token(word, kind, script))
    return out


def _label(evidence, kinds, telugu_prior: float, switch_cost: float) -> list[str]:
    scores = [
        None if e is None else (e[0] + math.log(1 - telugu_prior), e[1] + math.log(telugu_prior)) for e in evidence
    ]
    return _viterbi(scores, kinds, switch_cost)


def _viterbi(scores: list[tuple[float, float] | None], kinds: list[str], switch_cost: float) -> list[str]:
    """Best English/Telugu labelling; Telugu-script words count as Telugu context, others as neither."""
    states = (ENGLISH, ROMANIZED)
    best = {ENGLISH: 0.0, ROMANIZED: 0.0}
    back: list[dict[str, str]] = []
    for score, kind in zip(scores, kinds):
        if score is None:
            emission = {ENGLISH: -switch_cost if kind == TELUGU else 0.0, ROMANIZED: 0.0}
        else:
            emission = {ENGLISH: score[0], ROMANIZED: score[1]}
        step, pointers = {}, {}
        for state in states:
            prev = max(states, key=lambda p: best[p] - (switch_cost if p != state else 0.0))
            step[state] = best[prev] - (switch_cost if prev != state else 0.0) + emission[state]
            pointers[state] = prev
        best = step
        back.append(pointers)
    state = max(states, key=lambda s: best[s])
    labels = []
    for pointers in reversed(back):
        labels.append(state)
        state = pointers[state]
    return labels[::-1]
