"""Small transcripts and review cues for the review UI tests (no model needed)."""

from __future__ import annotations

from app.types import Cue, Transcript, Word
from review_ui.editing import ReviewCue, machine_cues

LINES = [
    "కలసపాడు బ్రిడ్జిపై నుంచి నీరు ప్రవహించింది",
    "పోతన భాగవతం చదివారు",
    "this is an english line",
    "శ్రీనాథుడు కవిసార్వభౌముడు",
]


def timed_words(text: str, start_ms: int, per_word_ms: int = 500, gap_ms: int = 100) -> tuple[Word, ...]:
    words, t = [], start_ms
    for token in text.split():
        words.append(Word(t, t + per_word_ms, token, probability=0.9))
        t += per_word_ms + gap_ms
    return tuple(words)


def transcript(lines=LINES, gap_ms: int = 1000, source: str = "reading.wav") -> Transcript:
    cues, t = [], 500
    for line in lines:
        words = timed_words(line, t)
        cues.append(Cue(words[0].start_ms, words[-1].end_ms, line, second="", words=words))
        t = words[-1].end_ms + gap_ms
    return Transcript(source=source, duration_ms=t + 1000, language="te", language_probability=0.9, model="test", cues=tuple(cues))


def cues(lines=LINES) -> tuple[ReviewCue, ...]:
    return machine_cues(transcript(lines))
