"""How the code-switch stage decodes: strategy per model, the pivot request, and re-decodes.

With the ``pivot`` strategy Whisper is asked for English with a romanized-Telugu prompt,
which makes it write a phonetic romanization of Telugu (restored to Telugu script by
:mod:`~nishabdham.pipeline.codeswitch.repair`) and plain English for English; with
``native`` it decodes Telugu directly and a stretch that comes out in a foreign script is
decoded again with the pivot. This module also groups the recogniser's segments into
stretches of speech (one check and at most one re-decode each) and runs independent
stretches side by side.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from nishabdham.pipeline.codeswitch.glossary import Glossary
from nishabdham.pipeline.codeswitch.hallucination import guard, with_words
from nishabdham.pipeline.codeswitch.options import CodeSwitchOptions
from nishabdham.pipeline.decode.transcribe import DecodeRequest, Planner
from nishabdham.pipeline.script import script_counts
from nishabdham.pipeline.vad import SpeechRegion, Window
from nishabdham.types import Removal, Segment, Word

#: Models that write Telugu script poorly; for them the pivot is the measured better strategy.
SMALL_MODELS = ("tiny", "base", "small", "whisper-base")
#: Scripts of sister Indic languages that Whisper writes by mistake; transliterated, not re-decoded.
INDIC_SCRIPTS = {
    "Devanagari": "DEVANAGARI", "Kannada": "KANNADA", "Tamil": "TAMIL", "Malayalam": "MALAYALAM",
    "Bengali": "BENGALI", "Gujarati": "GUJARATI", "Gurmukhi": "GURMUKHI", "Oriya": "ORIYA",
}  # fmt: skip


class Redecoder(Protocol):
    """What the stage may ask of the recogniser for one segment's audio."""

    def pivot(self, segment: Segment) -> list[Segment]:
        """Decode the segment's audio again with the pivot (English + romanized prompt)."""

    def english_probability(self, segment: Segment) -> float:
        """Whisper's language detector's probability of English for the segment's audio."""

    def romanize(self, segment: Segment) -> list[Segment]:
        """Decode the segment's audio as Telugu, allowing Latin letters only."""

    def english(self, segment: Segment) -> list[Segment]:
        """Decode the segment's audio as plain English (no romanized prompt)."""

    def rescue(self, segment: Segment, strategy: str) -> list[Segment]:
        """Decode the segment's audio on its own, with no silence or confidence cut-off
        (``strategy`` ``pivot`` or ``native``): speech that got no words in the first pass."""


def strategy_for(options: CodeSwitchOptions, model_name: str, language: str) -> str:
    """The decoding strategy for this model and language."""
    if language == "en" or not options.enabled:
        return "native"
    if options.strategy != "auto":
        return options.strategy
    name = model_name.lower()
    small = any(name == m or name.startswith(m + " ") or name.endswith("-" + m) for m in SMALL_MODELS)
    return "pivot" if small else "native"


def decode_planner(options: CodeSwitchOptions, glossary: Glossary, model_name: str, base: DecodeRequest) -> Planner:
    """How each window is decoded: pivot (English + romanized prompt) or native."""
    hot_latin = glossary.hotwords(options.hotwords, "latin") if options.hotwords else ""
    hot_telugu = glossary.hotwords(options.hotwords, "telugu") if options.hotwords else ""

    def plan(window: Window, language: str) -> DecodeRequest:
        if strategy_for(options, model_name, language) == "pivot":
            # No hotwords here: measured on the dev set, base recites the hotword list into
            # pauses (CER 0.48 -> 1.19); the glossary still corrects near misses afterwards.
            return replace(
                base,
                language="en",
                initial_prompt=options.prompt,
                hotwords="",
                strategy="pivot",
                hypotheses=options.nbest if options.restore else 1,
            )
        if language in ("", "auto"):  # Whisper detects the language of every segment
            return replace(
                base, language=None, multilingual=True, hotwords=base.hotwords or hot_latin, strategy="native"
            )
        hot = hot_telugu if language == "te" else hot_latin
        return replace(base, language=language, hotwords=base.hotwords or hot, strategy="native")

    return plan


class GuardedRedecoder:
    """A Redecoder whose output passes the hallucination guard, removals added to ``removed``.

    A re-decode runs greedily without temperature fallback, so a repetition loop would
    otherwise reach the subtitles unchecked.
    """

    def __init__(
        self, inner: Redecoder, regions: Sequence[SpeechRegion], options: CodeSwitchOptions, removed: list[Removal]
    ) -> None:
        self.inner, self.regions, self.options, self.removed = inner, regions, options, removed

    def _guarded(self, segments: list[Segment]) -> list[Segment]:
        kept, dropped = guard(segments, self.regions, self.options.prompt, self.options.guard)
        self.removed.extend(dropped)
        return kept

    def pivot(self, segment: Segment) -> list[Segment]:
        return self._guarded(self.inner.pivot(segment))

    def english_probability(self, segment: Segment) -> float:
        return self.inner.english_probability(segment)

    def english(self, segment: Segment) -> list[Segment]:
        return self._guarded(self.inner.english(segment))

    def rescue(self, segment: Segment, strategy: str) -> list[Segment]:
        return self._guarded(self.inner.rescue(segment, strategy))

    @property
    def workers(self) -> int:
        return getattr(self.inner, "workers", 1)

    def romanize(self, segment: Segment) -> list[Segment]:
        return self._guarded(self.inner.romanize(segment))


def confident_english(words: Sequence[Word], threshold: float) -> bool:
    """Whisper was sure of these words: real English, no need to ask the language detector.

    Measured on the dev recordings, real English ran at a mean word probability of 0.88-0.92
    with at most 9 % of words below 0.5; translations of Telugu at 0.29-0.66 with 31 % or more.
    """
    if not words:
        return False
    mean = sum(w.probability for w in words) / len(words)
    unsure = sum(w.probability < 0.5 for w in words) / len(words)
    return mean >= threshold and unsure <= 0.1


def is_english_voice(words: Sequence[Word], p_english: float, options: CodeSwitchOptions) -> bool:
    """Whether English-looking text was English speech, from the detector's view of the audio.

    The words alone cannot tell: a fluent translation of Telugu can come out as sure as real
    English. The language detector's probability of English decides; sure words lower the bar.
    """
    if p_english >= options.english_check:
        return True
    return p_english >= options.english_check_confident and confident_english(words, options.english_confidence)


def covering(segments: Sequence[Segment], span: Segment) -> bool:
    """Whether some word of ``segments`` overlaps ``span`` in time."""
    return any(w.start_ms < span.end_ms and w.end_ms > span.start_ms for s in segments for w in s.words)


def merge_redecoded(old: Sequence[Segment], new: Sequence[Segment]) -> list[Segment]:
    """``new`` where it has words, ``old`` segments no word of ``new`` overlaps: a re-decode that
    came back shorter than the speech it was given never takes the rest with it."""
    kept = [s for s in old if not covering(new, s)]
    return sorted([*new, *kept], key=lambda s: (s.start_ms, s.end_ms))


def looks_english(segment: Segment) -> bool:
    """Most words of a converted segment (three or more) are English."""
    english_words = sum(1 for w in segment.words if w.lang == "en")
    return len(segment.words) >= 3 and english_words / len(segment.words) >= 0.6


def foreign(segment: Segment) -> bool:
    """Mostly letters in a script that is neither Telugu nor Latin (and not a sister Indic script)."""
    counts = script_counts(segment.text)
    total = sum(counts.values())
    other = sum(n for s, n in counts.items() if s not in ("Telugu", "Latin") and s not in INDIC_SCRIPTS)
    return total > 0 and other / total > 0.5


def by_region(segments: Sequence[Segment], regions: Sequence[SpeechRegion]) -> list[list[Segment]]:
    """Consecutive segments grouped by the speech region their middle falls in."""
    starts = [r.start_ms for r in regions]
    groups: list[list[Segment]] = []
    last = None
    for segment in segments:
        middle = (segment.start_ms + segment.end_ms) // 2
        index = bisect.bisect_right(starts, middle) - 1
        if groups and index == last:
            groups[-1].append(segment)
        else:
            groups.append([segment])
        last = index
    return groups


@dataclass
class Run:
    """Consecutive stretches of speech that all look English (or all do not)."""

    english: bool
    groups: list[tuple[list[Segment], list[Segment]]]


def english_runs(converted, is_english: Callable[[Segment], bool], max_gap_ms: int = 2000) -> list[Run]:
    """English-looking stretches less than ``max_gap_ms`` apart form one run: one language check for all."""
    runs: list[Run] = []
    for original, done in converted:
        if not done:
            runs.append(Run(False, [(original, done)]))
            continue
        english = is_english(joined(done))
        last = runs[-1] if runs else None
        close = (
            last is not None and last.groups[-1][1] and done[0].start_ms - last.groups[-1][1][-1].end_ms < max_gap_ms
        )
        if english and last is not None and last.english and close:
            last.groups.append((original, done))
        else:
            runs.append(Run(english, [(original, done)]))
    return runs


def parallel_map(function, items: Sequence, workers: int) -> list:
    """``[function(item) for item in items]``, ``workers`` at a time when the recogniser has several.

    Each item may re-decode its audio; CTranslate2 runs without Python's lock, so the checks
    of independent stretches of speech overlap the way the first pass's windows do.
    """
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="codeswitch") as pool:
        return list(pool.map(function, items))


def joined(group: Sequence[Segment]) -> Segment:
    """One segment standing for a group (for checks and re-decodes; never written out)."""
    if len(group) == 1:
        return group[0]
    words = tuple(w for s in group for w in s.words)
    return replace(group[0], words=words, text=" ".join(s.text for s in group), end_ms=max(s.end_ms for s in group))


def inside(segments: Sequence[Segment], span: Segment) -> list[Segment]:
    """The words of ``segments`` (a re-decode of ``span``) that overlap ``span`` in time. A
    re-decode hears a little of the speech around it (its audio reaches 200 ms past the stretch):
    words wholly outside belong to the neighbours, which keep their own. Only wholly: a
    re-decode's times can run early, and a stretch's first word may start before it (by its
    middle, a line's first word was lost)."""
    out = []
    for segment in segments:
        words = [w for w in segment.words if w.end_ms > span.start_ms and w.start_ms < span.end_ms]
        if words:
            out.append(segment if len(words) == len(segment.words) else with_words(segment, words))
    return out


def telugu_share(segments: Sequence[Segment]) -> float:
    """The share of words (of all the segments) that are Telugu."""
    words = [w for s in segments for w in s.words]
    return sum(1 for w in words if w.lang == "te") / len(words) if words else 0.0
