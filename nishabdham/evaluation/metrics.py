"""Error rates for Telugu and English text, counted the way readers see text.

Text is normalized to NFC, punctuation and symbols removed, combining marks
kept (Whisper's ``BasicTextNormalizer`` deletes Telugu vowel signs and must
never be used here), Latin lower-cased. CER is counted over grapheme clusters
(aksharas), with the space between words as one token.

Besides the corpus rates (:func:`wer`, :func:`cer`) the module gives the
per-utterance pieces the evaluation adds up: edit counts, jiwer's word
alignment, English-word errors, switch points between Telugu and English,
cue timing against reference subtitles and subtitle-rule breaks. Counts are
returned rather than rates, so that rows add up into exact corpus figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Protocol

import jiwer

from nishabdham.pipeline.script import dominant_script, graphemes, normalize_text, script_counts

SPACE = "▁"


def grapheme_tokens(text: str) -> list[str]:
    """Grapheme clusters of normalized text; each space between words is one token."""
    return [SPACE if g == " " else g for g in graphemes(normalize_text(text))]


def _as_sentence(tokens: list[str]) -> str:
    return " ".join(tokens)


def wer(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus word error rate over normalized text (total edits / total reference words)."""
    refs, hyps = _pairs(references, hypotheses, normalize_text)
    return _rate(refs, hyps)


def cer(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus character error rate over grapheme clusters (aksharas), spaces counted."""
    refs, hyps = _pairs(references, hypotheses, lambda t: _as_sentence(grapheme_tokens(t)))
    return _rate(refs, hyps)


def telugu_script_share(texts: Sequence[str] | str) -> float:
    """Share of letter clusters in Telugu script across ``texts`` (1.0 when there are none)."""
    telugu, total = telugu_letters(texts)
    return telugu / total if total else 1.0


def telugu_letters(texts: Sequence[str] | str) -> tuple[int, int]:
    """(Telugu letter clusters, all letter clusters) across ``texts``."""
    if isinstance(texts, str):
        texts = [texts]
    total = telugu = 0
    for text in texts:
        counts = script_counts(text)
        total += sum(counts.values())
        telugu += counts["Telugu"]
    return telugu, total


def _pairs(references, hypotheses, transform) -> tuple[list[str], list[str]]:
    if len(references) != len(hypotheses):
        raise ValueError("references and hypotheses differ in number")
    return [transform(r) for r in references], [transform(h) for h in hypotheses]


def _rate(refs: list[str], hyps: list[str]) -> float:
    total = ErrorCounts()
    for r, h in zip(refs, hyps, strict=True):
        if r.strip():  # an empty reference has nothing to count against
            total += _counts(r.split(), h.split())
    return total.rate or 0.0


# --------------------------------------------------------------------------- counts and alignment


@dataclass(frozen=True, slots=True)
class ErrorCounts:
    """Edits against a reference; counts of several utterances add up with ``+``."""

    reference: int = 0
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float | None:
        """Errors per reference token; None when there is no reference to count against."""
        return self.errors / self.reference if self.reference else None

    def __add__(self, other: ErrorCounts) -> ErrorCounts:
        return _add_fields(self, other)


def _add_fields(a, b):
    """Field-by-field sum of two count dataclasses of one type."""
    return type(a)(*(getattr(a, f.name) + getattr(b, f.name) for f in fields(a)))


@dataclass(frozen=True, slots=True)
class AlignedSpan:
    """One piece of jiwer's word alignment: ``equal``, ``substitute``, ``delete`` or ``insert``."""

    op: str
    ref: tuple[str, ...] = ()
    hyp: tuple[str, ...] = ()


def align_tokens(ref: list[str], hyp: list[str]) -> list[AlignedSpan]:
    """jiwer's minimum-edit alignment of two token lists (either may be empty)."""
    if not ref:
        return [AlignedSpan("insert", (), tuple(hyp))] if hyp else []
    if not hyp:
        return [AlignedSpan("delete", tuple(ref), ())]
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    return [
        AlignedSpan(c.type, tuple(ref[c.ref_start_idx : c.ref_end_idx]), tuple(hyp[c.hyp_start_idx : c.hyp_end_idx]))
        for c in out.alignments[0]
    ]


def align_words(reference: str, hypothesis: str) -> list[AlignedSpan]:
    """The word alignment of two texts after normalization."""
    return align_tokens(normalize_text(reference).split(), normalize_text(hypothesis).split())


def _counts(ref: list[str], hyp: list[str]) -> ErrorCounts:
    spans = align_tokens(ref, hyp)
    edits = {
        op: sum(max(len(s.ref), len(s.hyp)) for s in spans if s.op == op) for op in ("substitute", "delete", "insert")
    }
    return ErrorCounts(len(ref), edits["substitute"], edits["delete"], edits["insert"])


def word_counts(reference: str, hypothesis: str) -> ErrorCounts:
    """Word edits of one utterance (normalized text)."""
    return _counts(normalize_text(reference).split(), normalize_text(hypothesis).split())


def char_counts(reference: str, hypothesis: str) -> ErrorCounts:
    """Grapheme-cluster edits of one utterance (spaces count as one token each)."""
    return _counts(grapheme_tokens(reference), grapheme_tokens(hypothesis))


# --------------------------------------------------------------------------- English words and switch points


def word_script(word: str) -> str:
    """The script a word is written in: ``Telugu``, ``Latin``, another name, or ``""``."""
    return dominant_script(word)


def english_word_counts(reference: str, hypothesis: str) -> ErrorCounts:
    """Errors on the reference's Latin-script words only (insertions cannot be attributed, so none)."""
    subs = dels = total = 0
    for span in align_words(reference, hypothesis):
        latin = sum(1 for w in span.ref if word_script(w) == "Latin")
        total += latin
        if span.op == "substitute":
            subs += latin
        elif span.op == "delete":
            dels += latin
    return ErrorCounts(total, subs, dels, 0)


def switch_points(reference: str, hypothesis: str) -> tuple[int, int]:
    """(switch points recovered, switch points) between Telugu and Latin words of the reference.

    A switch point lies between two neighbouring reference words in different
    scripts (Telugu and Latin). It is recovered when both words are aligned to
    hypothesis words (equal or substituted) written in the same scripts.
    """
    ref_words: list[str] = []
    aligned: list[str | None] = []
    for span in align_words(reference, hypothesis):
        ref_words.extend(span.ref)
        if span.op in ("equal", "substitute"):
            aligned.extend(span.hyp)
        elif span.op == "delete":
            aligned.extend([None] * len(span.ref))
    scripts = [word_script(w) for w in ref_words]
    points = recovered = 0
    for i in range(len(ref_words) - 1):
        left, right = scripts[i], scripts[i + 1]
        if left == right or {left, right} != {"Telugu", "Latin"}:
            continue
        points += 1
        hyp_left, hyp_right = aligned[i], aligned[i + 1]
        if hyp_left is not None and hyp_right is not None:
            recovered += word_script(hyp_left) == left and word_script(hyp_right) == right
    return recovered, points


# --------------------------------------------------------------------------- timing and subtitle rules


class Timed(Protocol):
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class TimingErrors:
    """Absolute start and end errors of reference cues against their matched hypothesis cues (sums add up)."""

    matched: int = 0
    unmatched: int = 0
    start_ms: int = 0
    end_ms: int = 0

    @property
    def mean_start_ms(self) -> float | None:
        return self.start_ms / self.matched if self.matched else None

    @property
    def mean_end_ms(self) -> float | None:
        return self.end_ms / self.matched if self.matched else None

    def __add__(self, other: TimingErrors) -> TimingErrors:
        return _add_fields(self, other)


def cue_timing_errors(reference: Sequence[Timed], hypothesis: Sequence[Timed]) -> TimingErrors:
    """Match each reference cue to the hypothesis cue it overlaps most (else the nearest) and sum the errors."""
    if not hypothesis:
        return TimingErrors(unmatched=len(reference))
    total = TimingErrors()
    for ref in reference:
        best = max(hypothesis, key=lambda h: (_overlap(ref, h), -_distance(ref, h)))
        total += TimingErrors(1, 0, abs(best.start_ms - ref.start_ms), abs(best.end_ms - ref.end_ms))
    return total


def _overlap(a: Timed, b: Timed) -> int:
    return max(0, min(a.end_ms, b.end_ms) - max(a.start_ms, b.start_ms))


def _distance(a: Timed, b: Timed) -> int:
    return abs((a.start_ms + a.end_ms) - (b.start_ms + b.end_ms))


def rule_breaks(cues: Sequence, rules) -> int:
    """How many cues break a subtitle rule (length, lines, duration, reading speed, gap)."""
    from nishabdham.pipeline.cues.rules import cue_problems

    return sum(1 for i, cue in enumerate(cues) if cue_problems(cue, rules, cues[i + 1] if i + 1 < len(cues) else None))
