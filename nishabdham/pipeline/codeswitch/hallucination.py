"""The hallucination guard: remove text that nothing was said under.

Whisper invents text on silence, music and applause ("Thanks for watching",
a lone "you", one line repeated in a loop), often with high confidence. Text
alone cannot tell such a loop from a poem's refrain, so every removal here
needs *acoustic* evidence as well: little voice activity under the words
(Silero VAD coverage), or more words than anyone can say in that time.
A suspect line with speech under it stays. Every removal is recorded with
its reason.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from nishabdham.pipeline.script import normalize_text
from nishabdham.pipeline.vad import SpeechRegion
from nishabdham.types import Removal, Segment, Word

#: The reason of a removal of text that repeats the decoding prompt. Such a line may lie over real
#: speech the prompt drowned out: the coverage pass decodes that speech again without the prompt.
ECHO = "echo of the decoding prompt"


@dataclass(frozen=True, slots=True)
class GuardOptions:
    """Options of the hallucination guard."""

    enabled: bool = True
    """Run the guard at all."""
    min_speech_coverage: float = 0.5
    """Suspect text is removed when less than this share of its time has voice activity."""
    max_words_per_second: float = 6.0
    """A repeated line spoken faster than this is a decoding loop, not a refrain; a known junk line
    said faster than this ("Thank you very much." in 40 ms at the end of a reading) had no time
    to be said."""
    low_probability: float = 0.4
    """A known junk phrase is also removed when its words are this unsure on average."""
    echo_similarity: float = 0.8
    """A segment this similar to the decoding prompt is an echo of the prompt."""


@lru_cache(maxsize=1)
def junk_phrases() -> frozenset[str]:
    """Known hallucinated lines (normalized), one per line in ``nishabdham/pipeline/data/junk_phrases.txt``."""
    text = (resources.files("nishabdham.pipeline") / "data" / "junk_phrases.txt").read_text(encoding="utf-8")
    return frozenset(normalize_text(line) for line in text.splitlines() if line.strip() and not line.startswith("#"))


class SpeechCoverage:
    """How much of a time span has voice activity."""

    def __init__(self, regions: Sequence[SpeechRegion]) -> None:
        self.regions = sorted(regions, key=lambda r: r.start_ms)
        self.starts = [r.start_ms for r in self.regions]

    def __call__(self, start_ms: int, end_ms: int) -> float:
        if end_ms <= start_ms:
            end_ms = start_ms + 1
        covered = 0
        i = max(0, bisect.bisect_right(self.starts, start_ms) - 1)
        while i < len(self.regions) and self.regions[i].start_ms < end_ms:
            r = self.regions[i]
            covered += max(0, min(end_ms, r.end_ms) - max(start_ms, r.start_ms))
            i += 1
        return covered / (end_ms - start_ms)


def guard(
    segments: Sequence[Segment],
    regions: Sequence[SpeechRegion],
    prompt: str = "",
    options: GuardOptions = GuardOptions(),
) -> tuple[list[Segment], list[Removal]]:
    """Segments with hallucinated text removed, and what was removed and why."""
    if not options.enabled:
        return list(segments), []
    coverage = SpeechCoverage(regions)
    junk = junk_phrases()
    prompt_words = normalize_text(prompt).split()
    kept: list[Segment] = []
    removed: list[Removal] = []
    for segment in segments:
        reason = _segment_reason(segment, coverage, junk, prompt_words, options)
        if reason:
            removed.append(Removal(segment.start_ms, segment.end_ms, segment.text, reason))
            continue
        segment, dropped = _trim_junk_words(segment, coverage, junk, options)
        removed.extend(dropped)
        segment, dropped = _drop_loops(segment, coverage, options)
        removed.extend(dropped)
        if segment.words:
            kept.append(segment)
    kept, dropped = _drop_repeated_segments(kept, coverage, options)
    removed.extend(dropped)
    return kept, removed


def _segment_reason(segment: Segment, coverage, junk, prompt_words, options: GuardOptions) -> str:
    text = normalize_text(segment.text)
    speech = coverage(segment.start_ms, segment.end_ms)
    if text in junk and (
        speech < options.min_speech_coverage or _mean_probability(segment.words) < options.low_probability
    ):
        return f"known hallucination with no speech under it (voice activity {speech:.0%})"
    if text in junk and (rate := _words_per_second(segment.words)) > options.max_words_per_second:
        return f"known hallucination with no time to be said ({rate:.0f} words/s)"
    if prompt_words and _similarity(text.split(), prompt_words) >= options.echo_similarity:
        return ECHO
    if speech < 0.2 and segment.no_speech_prob > 0.5:
        return f"no speech under it (voice activity {speech:.0%}, no-speech probability {segment.no_speech_prob:.2f})"
    return ""


def removals_summary(removed: Sequence[Removal]) -> str:
    """What was removed, counted by reason ("echo of the decoding prompt x1; speech with no words x1"):
    why a recording in which speech was heard came out with no words."""
    counts: dict[str, int] = {}
    for removal in removed:
        head = removal.reason.split(" (", 1)[0].split(":", 1)[0]
        counts[head] = counts.get(head, 0) + 1
    return "; ".join(f"{head} x{n}" for head, n in counts.items())


def strip_known_lines(segments: Sequence[Segment], why: str) -> tuple[list[Segment], list[Removal]]:
    """Known junk lines removed whatever is under them, whole segments or a segment's last words:
    for speech already known not to be what they say (the language detector hears no English
    under "I'll see you in the next video"). ``why`` goes into each removal's reason."""
    junk = junk_phrases()
    kept: list[Segment] = []
    removed: list[Removal] = []
    for segment in segments:
        words = list(segment.words)
        if normalize_text(segment.text) in junk:
            removed.append(Removal(segment.start_ms, segment.end_ms, segment.text, f"known hallucination: {why}"))
            continue
        while len(words) > 1 and (tail := _junk_tail(words, junk)):
            text = " ".join(w.text for w in tail)
            removed.append(Removal(tail[0].start_ms, tail[-1].end_ms, text, f"known hallucination: {why}"))
            del words[-len(tail) :]
        kept.append(with_words(segment, words) if len(words) < len(segment.words) else segment)
    return kept, removed


def _trim_junk_words(segment: Segment, coverage, junk, options: GuardOptions) -> tuple[Segment, list[Removal]]:
    """Drop known junk at the end of a segment ("... kranti. You", "... kranti. I'll see you in the
    next video.") where nothing was said, or said unsure: one word or a whole known line."""
    words = list(segment.words)
    dropped: list[Removal] = []
    while len(words) > 1:
        tail = _junk_tail(words, junk)
        if not tail:
            break
        start, end = tail[0].start_ms, tail[-1].end_ms
        speech = coverage(start, end)
        probability = _mean_probability(tail)
        rate = _words_per_second(tail)
        if (
            speech >= options.min_speech_coverage
            and probability >= options.low_probability
            and rate <= options.max_words_per_second
        ):
            break
        text = " ".join(w.text for w in tail)
        reason = (
            f"known hallucination at the end of a line (voice activity {speech:.0%}, p={probability:.2f}, "
            f"{rate:.0f} words/s)"
        )
        dropped.append(Removal(start, end, text, reason))
        del words[-len(tail) :]
    if not dropped:
        return segment, []
    return with_words(segment, words), dropped


def _junk_tail(words: list[Word], junk, longest: int = 10) -> list[Word]:
    """The longest run of last words (not all of them) that is a known junk line, or nothing."""
    for n in range(min(longest, len(words) - 1), 0, -1):
        if normalize_text(" ".join(w.text for w in words[-n:])) in junk:
            return words[-n:]
    return []


def _drop_loops(segment: Segment, coverage, options: GuardOptions) -> tuple[Segment, list[Removal]]:
    """Remove repeats of a phrase inside one segment that have no speech or impossible speed.

    The repeats of one loop go as one removal. When two or more repeats go and the phrase
    itself has no speech under it either (a loop Whisper ran into the end of a window), it
    goes too; a refrain that was really said keeps every repeat.
    """
    words = list(segment.words)
    keys = [normalize_text(w.text) for w in words]
    dropped: list[Removal] = []
    i = 0
    while i < len(words):
        period = _repeat_period(keys, i)
        if not period:
            i += 1
            continue
        end = i + period
        while keys[end : end + period] == keys[i : i + period] and _unspoken(
            words[end : end + period], coverage, options
        ):
            end += period
        if end == i + period:  # the first repeat was spoken: a refrain
            i += period
            continue
        phrase_too = (end - i) // period >= 3 and _unspoken(words[i : i + period], coverage, options)
        start = i if phrase_too else i + period
        run = words[start:end]
        count = len(run) // period
        text = " ".join(w.text for w in run[:period]) + (f" (x{count})" if count > 1 else "")
        dropped.append(Removal(run[0].start_ms, run[-1].end_ms, text, _loop_reason(run, coverage)))
        del words[start:end]
        del keys[start:end]
        i = start if start == i else i + period
    return (with_words(segment, words), dropped) if dropped else (segment, [])


def _repeat_period(keys: list[str], i: int) -> int:
    """Length of a phrase starting at ``i`` that is immediately repeated (0 if none)."""
    for period in range(1, (len(keys) - i) // 2 + 1):
        if keys[i : i + period] == keys[i + period : i + 2 * period] and any(keys[i : i + period]):
            return period
    return 0


def _drop_repeated_segments(
    segments: list[Segment], coverage, options: GuardOptions
) -> tuple[list[Segment], list[Removal]]:
    """A segment that repeats the previous one is a loop unless it was really said again."""
    kept: list[Segment] = []
    removed: list[Removal] = []
    for segment in segments:
        previous = kept[-1] if kept else None
        same = previous is not None and normalize_text(previous.text) == normalize_text(segment.text)
        if same and (_overlaps(previous, segment) or _unspoken(list(segment.words), coverage, options)):
            removed.append(
                Removal(
                    segment.start_ms,
                    segment.end_ms,
                    segment.text,
                    "repeats the previous line " + _loop_reason(list(segment.words), coverage),
                )
            )
            continue
        kept.append(segment)
    return kept, removed


def drop_double_readings(segments: Sequence[Segment]) -> tuple[list[Segment], list[Removal]]:
    """One stretch of speech read twice: the shorter reading goes.

    Whisper's own segments never overlap in time; the stage's re-decodes (an English check, a
    rescue of uncovered speech) can leave a reading beside the first pass's reading of the same
    stretch, in another language or script ("Marco." over the first word of a Telugu line read
    as మా కారను ...). A segment that lies more than half inside a longer one is such a second
    reading; the longer one, which covers the speech around it too, is kept.
    """
    ordered = sorted(segments, key=lambda s: (s.start_ms, s.end_ms))
    dropped: set[int] = set()
    for i, a in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            b = ordered[j]
            if b.start_ms >= a.end_ms:
                break
            longer, shorter = (a, j) if _length(a) >= _length(b) else (b, i)
            if _overlaps(longer, ordered[shorter]):
                dropped.add(shorter)
    removed = [
        Removal(
            ordered[k].start_ms,
            ordered[k].end_ms,
            ordered[k].text,
            "read twice: the same speech is read by a longer line around it",
        )
        for k in sorted(dropped)
    ]
    return [s for k, s in enumerate(ordered) if k not in dropped], removed


def _length(segment: Segment) -> int:
    return segment.end_ms - segment.start_ms


def _unspoken(words: list[Word], coverage, options: GuardOptions) -> bool:
    if not words:
        return True
    start, end = words[0].start_ms, words[-1].end_ms
    return coverage(start, end) < options.min_speech_coverage or _words_per_second(words) > options.max_words_per_second


def _words_per_second(words: Sequence[Word]) -> float:
    """How fast the words were said, by their times (a span under 50 ms counts as 50 ms)."""
    if not words:
        return 0.0
    return len(words) / max((words[-1].end_ms - words[0].start_ms) / 1000, 0.05)


def _loop_reason(words: list[Word], coverage) -> str:
    start, end = words[0].start_ms, words[-1].end_ms
    return f"(repetition loop: voice activity {coverage(start, end):.0%}, {_words_per_second(words):.1f} words/s)"


def _overlaps(a: Segment, b: Segment) -> bool:
    overlap = min(a.end_ms, b.end_ms) - max(a.start_ms, b.start_ms)
    return overlap > 0.5 * max(1, b.end_ms - b.start_ms)


def _similarity(words: list[str], prompt: list[str]) -> float:
    if not words:
        return 0.0
    pool = set(prompt)
    return sum(w in pool for w in words) / len(words) if len(words) >= 3 else 0.0


def _mean_probability(words: Sequence[Word]) -> float:
    return sum(w.probability for w in words) / len(words) if words else 0.0


def with_words(segment: Segment, words: Sequence[Word]) -> Segment:
    """The segment cut to ``words`` (some of its own), its text and times following them."""
    if not words:
        return replace(segment, words=(), text="")
    return replace(
        segment,
        words=tuple(words),
        text=" ".join(w.text for w in words),
        start_ms=words[0].start_ms,
        end_ms=max(w.end_ms for w in words),
    )
