"""Punctuation an editor would keep: what ends a sentence or a verse line, not Whisper's sprinkles.

Whisper knows English punctuation but not Telugu's: decoding romanized Telugu it puts a comma or
a full stop after nearly every word (``రతికి నని నాలు. ఫలము. లిచ్చట గాదు.``). Those marks also
break cues where the reader never paused. So after a Telugu word a mark is kept only where the
reading shows the sentence or the verse line ends there: before a pause that ends a cue anyway
(:attr:`CueRules.pause_ms`), or after the last word. Dandas (``।``, ``॥``) are verse marks and stay;
closing quotes and brackets stay; English words keep Whisper's punctuation, which is reliable.
The model's own text stays in :attr:`Word.source`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import regex

from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.pipeline.script import script_counts
from nishabdham.types import Word

#: Marks a Telugu word may lose: Latin and Arabic sentence and clause punctuation, dashes, ellipses.
_TRAILING = regex.compile(r"[.,;:!?…،؛؟\-–—]+$")
_CLOSING = "\"'”’)]»"
DANDAS = "।॥"


def clean_punctuation(words: Sequence[Word], rules: CueRules = CueRules()) -> list[Word]:
    """``words`` with the marks after Telugu words dropped, except before a pause or at the end.

    Words are in time order (see :func:`nishabdham.pipeline.cues.segment.clean_words`). A word left
    with no text (a lone mark) is dropped: a subtitle never shows a mark on its own.
    """
    if not rules.tidy_punctuation:
        return list(words)
    out = []
    for i, word in enumerate(words):
        last = i + 1 == len(words)
        pause = last or words[i + 1].start_ms - word.end_ms >= rules.pause_ms
        text = word.text if pause or not _is_telugu(word.text) else strip_marks(word.text)
        if not text:
            continue
        out.append(word if text == word.text else replace(word, text=text, source=word.source or word.text))
    return out


def strip_marks(text: str) -> str:
    """``text`` without the sentence and clause marks at its end (closing quotes and dandas kept)."""
    core = text.rstrip(_CLOSING)
    closing = text[len(core) :]
    if core.endswith(tuple(DANDAS)):
        return text
    return _TRAILING.sub("", core) + closing if _TRAILING.sub("", core) else ""


def _is_telugu(text: str) -> bool:
    """A word mostly in Telugu script, or one with no letters at all (a lone mark between words)."""
    counts = script_counts(text)
    return counts["Telugu"] >= sum(counts.values()) - counts["Telugu"]
