"""N-best rescoring: of the readings Whisper's beam held for a segment, the likeliest Telugu.

The pivot decode's beam search ranks its hypotheses by the acoustic model alone, which has
seen little Telugu. Each reading of a segment (the best and its
:class:`~nishabdham.types.Alternative` s, see :mod:`nishabdham.pipeline.decode.hypotheses`) is put
through the same word repair as the output (restored to Telugu script), then scored:

    score = acoustic log probability (relative to the best) + ``lm_weight`` x language evidence

where the language evidence (:func:`language_evidence`) is, word by word, how well the
written Latin restores to a likely Telugu word and how well that word follows the one
before it (the corpus word model), or an English word's frequency.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from nishabdham.pipeline.codeswitch import english
from nishabdham.pipeline.codeswitch.lm import BOS, WordLM
from nishabdham.pipeline.codeswitch.restore import Restorer
from nishabdham.pipeline.script import script_counts
from nishabdham.pipeline.telugu import to_iso
from nishabdham.types import Segment

log = logging.getLogger(__name__)

#: Language evidence of a word that is neither restored Telugu nor known English (nats).
UNKNOWN_WORD = -20.0


def language_evidence(segment: Segment, lm: WordLM, restorer: Restorer) -> float:
    """ln P of a converted segment's words, as far as the language (not the audio) can tell.

    A Telugu word restored from Latin scores its restoration (how the Latin spells it, and
    how likely the word is: :meth:`Restorer.restore`'s cost) plus what the word before it adds
    (the bigram's gain over the word alone); a Telugu word Whisper wrote in Telugu script
    scores the word model in context; an English word its English frequency.
    """
    total, previous = 0.0, BOS
    for word in segment.words:
        core = "".join(ch for ch in word.text if ch.isalnum() or _is_mark(ch))
        if not core:
            continue
        if script_counts(core).get("Telugu"):
            iso = to_iso(core)
            restored = (
                restorer.restore(word.source) if word.source and script_counts(word.source).get("Latin") else None
            )
            if restored is not None:
                total += -restored.cost + lm.logprob(iso, previous) - lm.unigram(iso)
            else:
                total += lm.logprob(iso, previous)
            previous = iso
        else:
            total += max(english.log_prob(core), UNKNOWN_WORD) if word.lang == "en" else UNKNOWN_WORD
            previous = BOS
    return total


def rescore(
    segment: Segment, convert: Callable[[Segment], Segment], lm: WordLM, restorer: Restorer, lm_weight: float
) -> tuple[Segment, bool]:
    """The segment read as its best-scoring alternative (alternatives dropped); whether it changed."""
    if not segment.alternatives:
        return segment, False
    plain = replace(segment, alternatives=())
    readings = [(0.0, plain)]
    for alternative in segment.alternatives:
        text = alternative.text
        readings.append((alternative.logprob, replace(plain, words=alternative.words, text=text, source_text=text)))
    scored = [(logprob + lm_weight * language_evidence(convert(r), lm, restorer), r) for logprob, r in readings]
    best_score, best = max(scored, key=lambda pair: pair[0])
    if best is plain:
        return plain, False
    log.debug("n-best: %r read as %r (score %.2f over %.2f)", segment.text, best.text, best_score, scored[0][0])
    return replace(best, strategy=best.strategy + "+nbest"), True


def _is_mark(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch).startswith("M")
