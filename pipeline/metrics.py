"""Error rates for Telugu and English text, counted the way readers see text.

Text is normalized to NFC, punctuation and symbols removed, combining marks
kept (Whisper's ``BasicTextNormalizer`` deletes Telugu vowel signs and must
never be used here), Latin lower-cased. CER is counted over grapheme clusters
(aksharas), with the space between words as one token.
"""

from __future__ import annotations

import unicodedata
from typing import Sequence

import jiwer
import regex

from pipeline.script import graphemes, script_counts

_DROP = regex.compile(r"[\p{P}\p{S}]+")
SPACE = "▁"


def normalize_text(text: str) -> str:
    """NFC, no punctuation or symbols, marks kept, Latin lower-cased, single spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _DROP.sub(" ", text)
    return " ".join(text.lower().split())


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
    if isinstance(texts, str):
        texts = [texts]
    total = telugu = 0
    for text in texts:
        counts = script_counts(text)
        total += sum(counts.values())
        telugu += counts["Telugu"]
    return telugu / total if total else 1.0


def _pairs(references, hypotheses, transform) -> tuple[list[str], list[str]]:
    if len(references) != len(hypotheses):
        raise ValueError("references and hypotheses differ in number")
    return [transform(r) for r in references], [transform(h) for h in hypotheses]


def _rate(refs: list[str], hyps: list[str]) -> float:
    keep = [(r, h) for r, h in zip(refs, hyps) if r.strip()]
    if not keep:
        return 0.0
    out = jiwer.process_words([r for r, _ in keep], [h if h.strip() else "" for _, h in keep])
    errors = out.substitutions + out.deletions + out.insertions
    reference_words = out.substitutions + out.deletions + out.hits
    return errors / reference_words if reference_words else 0.0
