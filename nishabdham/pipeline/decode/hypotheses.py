"""The other readings Whisper's beam search held: n-best hypotheses per window, timed on its words.

faster-whisper keeps only the best hypothesis of each decode. With ``DecodeRequest.hypotheses``
above 1, the window's beam-search decodes also return their runners-up (CTranslate2's
``num_hypotheses``; the beam already holds them, so they cost next to nothing). Each
runner-up is compared word by word with the best; where it differs inside one segment, it
becomes an :class:`~nishabdham.types.Alternative` of that segment, its words timed on the
best's words (equal words keep their times, replaced stretches share theirs by length).
The code-switch stage rescores them with the Telugu word model
(:mod:`nishabdham.pipeline.codeswitch.nbest`).

Decodes that fell back to sampling (temperature above 0) give no alternatives: their
runners-up are random draws, not the beam's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

import regex

from nishabdham.types import Alternative, Segment, Word

_LETTERS = regex.compile(r"[^\p{L}\p{M}\p{N}]+")


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """One beam hypothesis of one decode: its words and total log probability."""

    words: tuple[str, ...]
    logprob: float


@dataclass(frozen=True, slots=True)
class DecodeCall:
    """The hypotheses of one ``generate`` call, best first; ``sampled``: a temperature fallback."""

    hypotheses: tuple[Hypothesis, ...]
    sampled: bool


class _Recording(threading.local):
    def __init__(self) -> None:
        self.calls: list[DecodeCall] | None = None
        self.n = 1


_RECORDING = _Recording()
_INSTALL = threading.Lock()


class _RecordingWhisper:
    """CTranslate2's Whisper, with ``generate`` asking for and keeping n-best lists when recording."""

    def __init__(self, inner, tokenizer) -> None:
        self._inner = inner
        self._text_ids = tokenizer.token_to_id("<|endoftext|>")  # ids below it are text, above it specials

        self._decode = tokenizer.decode

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def generate(self, features, prompts, **kwargs):
        calls, n = _RECORDING.calls, _RECORDING.n
        if calls is None or n <= 1:
            return self._inner.generate(features, prompts, **kwargs)
        sampled = "sampling_temperature" in kwargs or kwargs.get("beam_size", 5) <= 1
        if not sampled:
            kwargs["num_hypotheses"] = max(n, kwargs.get("num_hypotheses", 1))
        results = self._inner.generate(features, prompts, **kwargs)
        penalty = kwargs.get("length_penalty", 1.0)
        hypotheses = []
        for ids, score in zip(results[0].sequences_ids, results[0].scores or [0.0] * len(results[0].sequences_ids)):
            text = self._decode([i for i in ids if i < self._text_ids])
            hypotheses.append(Hypothesis(tuple(text.split()), score * max(len(ids), 1) ** penalty))
        calls.append(DecodeCall(tuple(hypotheses[:1] if sampled else hypotheses), sampled))
        return results


def install(whisper) -> None:
    """Let a faster-whisper model record n-best lists (once per model; harmless when not recording)."""
    with _INSTALL:
        if not isinstance(whisper.model, _RecordingWhisper):
            whisper.model = _RecordingWhisper(whisper.model, whisper.hf_tokenizer)


@contextmanager
def recording(n: int) -> Iterator[list[DecodeCall]]:
    """Within this block, this thread's decodes keep up to ``n`` hypotheses each (into the list given)."""
    calls: list[DecodeCall] = []
    _RECORDING.calls, _RECORDING.n = calls, n
    try:
        yield calls
    finally:
        _RECORDING.calls, _RECORDING.n = None, 1


def with_alternatives(segments: Sequence[Segment], calls: Sequence[DecodeCall]) -> list[Segment]:
    """The window's segments, each with the runners-up that differ from the best inside it only.

    A decode whose best reading is not where the segments are next (a retry that fell back,
    a stretch faster-whisper skipped as silence) is passed over; a sampled one gives none.
    """
    positions = [(i, j) for i, s in enumerate(segments) for j in range(len(s.words))]
    keys = [_key(segments[i].words[j].text) for i, j in positions]
    found: dict[int, dict[tuple[str, ...], Alternative]] = {}
    at = 0
    for call in calls:
        first = call.hypotheses[0] if call.hypotheses else None
        if first is None or keys[at : at + len(first.words)] != [_key(w) for w in first.words]:
            continue
        span = positions[at : at + len(first.words)]
        at += len(first.words)
        for other in () if call.sampled else call.hypotheses[1:]:
            placed = _place(first.words, other.words, span, segments)
            if placed is None:
                continue
            index, texts = placed
            alternative = _timed(segments[index], texts, other.logprob - first.logprob)
            kept = found.setdefault(index, {})
            if texts not in kept or kept[texts].logprob < alternative.logprob:
                kept[texts] = alternative
    return [
        replace(s, alternatives=tuple(sorted(found[i].values(), key=lambda a: -a.logprob))) if i in found else s
        for i, s in enumerate(segments)
    ]


def _place(best, other, positions, segments) -> tuple[int, tuple[str, ...]] | None:
    """(segment index, its words as ``other`` reads them) when ``other`` differs inside one segment."""
    ops = SequenceMatcher(None, [_key(w) for w in best], [_key(w) for w in other], False).get_opcodes()
    changed = [op for op in ops if op[0] != "equal"]
    if not changed or not positions:
        return None
    touched = set()
    for _, i1, i2, _, _ in changed:
        span = range(i1, i2) if i2 > i1 else [min(i1, len(positions) - 1)]
        touched |= {positions[k][0] for k in span}
    if len(touched) != 1:
        return None
    index = touched.pop()
    first = next(k for k, (i, _) in enumerate(positions) if i == index)
    last = first + len(segments[index].words)
    texts = tuple(other[_mapped(ops, first) : _mapped(ops, last)])
    return (index, texts) if texts else None


def _mapped(ops, b: int) -> int:
    """The index in the other reading that index ``b`` of the best one corresponds to (a boundary)."""
    for tag, i1, i2, j1, j2 in ops:
        if i1 <= b <= i2:
            return j1 + (b - i1) if tag == "equal" else (j1 if b == i1 else j2)
    return ops[-1][4]


def _timed(segment: Segment, texts: tuple[str, ...], logprob: float) -> Alternative:
    """``texts`` timed on the segment's words: equal words keep their times, the rest share by length."""
    old = segment.words
    ops = SequenceMatcher(None, [_key(w.text) for w in old], [_key(t) for t in texts], False).get_opcodes()
    words: list[Word] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            words += [replace(old[i], text=texts[j]) for i, j in zip(range(i1, i2), range(j1, j2))]
            continue
        if j1 == j2:
            continue
        if i2 > i1:
            start, end, p = old[i1].start_ms, old[i2 - 1].end_ms, min(w.probability for w in old[i1:i2])
        else:  # an insertion: the time between its neighbours
            start = old[i1 - 1].end_ms if i1 else segment.start_ms
            end = max(start, old[i1].start_ms if i1 < len(old) else segment.end_ms)
            p = 0.0
        words += _spread(texts[j1:j2], start, end, p)
    return Alternative(tuple(words), round(logprob, 4))


def _spread(texts: Sequence[str], start: int, end: int, probability: float) -> list[Word]:
    total = sum(max(len(t), 1) for t in texts)
    out, at = [], start
    for t in texts:
        step = (end - start) * max(len(t), 1) // total
        out.append(Word(at, at + step, t, probability))
        at += step
    return out


def _key(word: str) -> str:
    return _LETTERS.sub("", word).lower()
