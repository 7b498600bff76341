"""Words to cues: subtitle segmentation with a Telugu-aware rule profile.

Small chainable operations in the spirit of stable-ts (``split_by_gap``,
``split_by_punctuation``, ``split_by_length``, ``merge_by_gap``), each
recording what it did, then a timing pass. Length is counted in grapheme
clusters, with a shorter line limit for complex scripts such as Telugu.

Cue breaks go first at pauses (a pause ends a poem line or a sentence), then
at sentence punctuation; a stretch that is still too long is split where the
pauses and punctuation are best, by dynamic programming over all split points,
so a poem line stays in one cue whenever it fits. Every piece keeps the
timings of its own words.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from nishabdham.pipeline.cues.rules import CueRules, SecondLine, _line_budget, layout_lines, reading_ms
from nishabdham.types import Cue, Word

# --------------------------------------------------------------------------- grouping


@dataclass(frozen=True)
class Grouping:
    """Words split into groups of consecutive word indices; every operation returns a new Grouping."""

    words: tuple[Word, ...]
    groups: tuple[tuple[int, ...], ...]
    history: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, words: Sequence[Word]) -> Grouping:
        words = tuple(words)
        return cls(words, (tuple(range(len(words))),) if words else ())

    def _with(self, op: str, groups: list[tuple[int, ...]]) -> Grouping:
        changed = abs(len(groups) - len(self.groups))
        return replace(self, groups=tuple(g for g in groups if g), history=self.history + ((op, changed),))

    def gap_before(self, i: int) -> int:
        return self.words[i].start_ms - self.words[i - 1].end_ms if i > 0 else 0

    def split_by_gap(self, gap_ms: int) -> Grouping:
        """Start a new group wherever the pause between two words is at least ``gap_ms``."""
        return self._with("split_by_gap", _split_where(self.groups, lambda i: self.gap_before(i) >= gap_ms))

    def split_by_punctuation(self, marks: str) -> Grouping:
        """Start a new group after a word ending in one of ``marks``."""
        ends = {i + 1 for i, w in enumerate(self.words) if w.text and w.text.rstrip("\"'”’)")[-1:] in marks}
        return self._with("split_by_punctuation", _split_where(self.groups, lambda i: i in ends))

    def split_by_length(self, fits: Callable[[tuple[int, ...]], bool], rules: CueRules) -> Grouping:
        """Split groups that do not fit, choosing split points by dynamic programming."""
        out: list[tuple[int, ...]] = []
        for group in self.groups:
            out.extend([group] if fits(group) else _best_partition(self, group, fits, rules))
        return self._with("split_by_length", out)

    def merge_by_gap(self, fits: Callable[[tuple[int, ...]], bool], rules: CueRules) -> Grouping:
        """Merge a too-short group with a close neighbour when the merged group fits."""
        groups = list(self.groups)
        i = 0
        while i < len(groups) - 1:
            a, b = groups[i], groups[i + 1]
            close = self.gap_before(b[0]) <= rules.merge_gap_ms
            short = min(self._span(a), self._span(b)) < rules.min_duration_ms
            if close and short and fits(a + b):
                groups[i : i + 2] = [a + b]
            else:
                i += 1
        return self._with("merge_by_gap", groups)

    def _span(self, group: tuple[int, ...]) -> int:
        return self.words[group[-1]].end_ms - self.words[group[0]].start_ms


def _split_where(groups, is_break: Callable[[int], bool]) -> list[tuple[int, ...]]:
    out = []
    for group in groups:
        current: list[int] = []
        for i in group:
            if current and is_break(i):
                out.append(tuple(current))
                current = []
            current.append(i)
        out.append(tuple(current))
    return out


def _best_partition(g: Grouping, group: tuple[int, ...], fits, rules: CueRules) -> list[tuple[int, ...]]:
    """Fewest, best-placed pieces: each piece fits (or is one word), breaks at pauses and punctuation."""
    n = len(group)
    best = [0.0] + [math.inf] * n
    back = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(end - 1, -1, -1):
            piece = group[start:end]
            if end - start > 1 and not fits(piece):
                break
            cost = best[start] + _piece_cost(g, piece, rules) + (_break_cost(g, group[start], rules) if start else 0.0)
            if cost < best[end]:
                best[end], back[end] = cost, start
    pieces, end = [], n
    while end > 0:
        pieces.append(group[back[end] : end])
        end = back[end]
    return pieces[::-1]


def _piece_cost(g: Grouping, piece: tuple[int, ...], rules: CueRules) -> float:
    return 1.0 + (0.5 if g._span(piece) < rules.min_duration_ms else 0.0)


def _break_cost(g: Grouping, first: int, rules: CueRules) -> float:
    """Cost of starting a cue at word ``first``: cheap after a pause or punctuation."""
    previous = g.words[first - 1].text.rstrip("\"'”’)")
    cost = 1.0 - 0.8 * min(max(g.gap_before(first), 0), 1000) / 1000
    if previous[-1:] in rules.sentence_marks:
        cost -= 0.8
    elif previous[-1:] in rules.clause_marks:
        cost -= 0.4
    return max(cost, 0.05)


# --------------------------------------------------------------------------- words -> cues


@dataclass(frozen=True, slots=True)
class SegmentOptions:
    """Options of the segmentation stage."""

    rules: CueRules = field(default_factory=CueRules)
    """The subtitle rule profile."""


def clean_words(words: Sequence[Word], duration_ms: int | None = None) -> list[Word]:
    """Drop empty words; order by time; make every word end at or after it starts, inside the recording."""
    out = []
    for w in sorted((w for w in words if w.text.strip()), key=lambda w: w.start_ms):
        start = max(0, w.start_ms)
        end = max(start, w.end_ms)
        if duration_ms is not None:
            start, end = min(start, duration_ms), min(end, duration_ms)
        out.append(replace(w, start_ms=start, end_ms=end, text=w.text.strip()))
    return out


def build_cues(
    words: Sequence[Word],
    rules: CueRules = CueRules(),
    duration_ms: int | None = None,
    second_line: SecondLine | None = None,
) -> list[Cue]:
    """Segment words into timed cues that respect ``rules`` wherever the words allow it."""
    return retime(_group_cues(clean_words(words, duration_ms), rules, second_line), rules, duration_ms)


def _fits(words: Sequence[Word], rules: CueRules, second_line: SecondLine | None) -> bool:
    """Whether these words make one cue within the rules (duration, lines, second line)."""
    primary_max, second_max = _line_budget(second_line is not None, rules)
    if words[-1].end_ms - words[0].start_ms > rules.max_duration_ms:
        return False
    text = " ".join(w.text for w in words)
    if layout_lines(text, rules, primary_max) is None:
        return False
    return second_line is None or layout_lines(second_line(text), rules, second_max) is not None


def _group_cues(words: list[Word], rules: CueRules, second_line: SecondLine | None) -> list[Cue]:
    """Cues from cleaned words, split at pauses, sentence ends and by length (not yet retimed)."""
    if not words:
        return []

    def fits(group: tuple[int, ...]) -> bool:
        return _fits([words[i] for i in group], rules, second_line)

    grouping = (
        Grouping.of(words)
        .split_by_gap(rules.pause_ms)
        .split_by_punctuation(rules.sentence_marks)
        .split_by_length(fits, rules)
        .merge_by_gap(fits, rules)
    )
    cues = []
    for group in grouping.groups:
        chosen = tuple(words[i] for i in group)
        text = " ".join(w.text for w in chosen)
        cues.append(
            Cue(chosen[0].start_ms, chosen[-1].end_ms, text, second_line(text) if second_line else "", words=chosen)
        )
    return cues


@dataclass(frozen=True, slots=True)
class VersePiece:
    """Words that must not share a cue with any other piece: one reading of a pāda, or heard speech."""

    words: tuple[Word, ...]
    origin: str
    """``text`` (a line of the given text) or ``heard``."""
    confidence: float | None = None
    breaks: tuple[int, ...] = ()
    """Where a pāda too long for one cue is split, strongest first: the index of the first word
    after each break (the yati; a sīsa pāda's halves, then each half's yati)."""


def verse_cues(
    pieces: Sequence[VersePiece],
    rules: CueRules = CueRules(),
    duration_ms: int | None = None,
    second_line: SecondLine | None = None,
) -> list[Cue]:
    """Cues that never cross a piece boundary (a pāda of the given text).

    A pāda that fits one cue stays whole, even across a pause; one that does not is split at
    its breaks when the metre is known (the yati; a sīsa pāda's halves first), then by the
    usual rules where a part is still too long.
    """
    cues: list[Cue] = []
    for piece in pieces:
        words = clean_words(piece.words, duration_ms)
        if not words:
            continue
        if piece.origin == "text":
            parts = _pada_cues(words, piece.breaks, rules, second_line)
        else:
            parts = _group_cues(words, rules, second_line)
        cues.extend(replace(cue, origin=piece.origin, confidence=piece.confidence) for cue in parts)
    cues.sort(key=lambda cue: cue.start_ms)
    return retime(cues, rules, duration_ms)


def _pada_cues(
    words: list[Word], breaks: Sequence[int], rules: CueRules, second_line: SecondLine | None, offset: int = 0
) -> list[Cue]:
    """A pāda's cues: whole if it fits; else split at its strongest break inside it, each part the same way.

    ``breaks`` are word indices of the whole pāda; ``offset`` is where ``words`` start in it.
    With no break inside, the usual rules split it.
    """
    if _fits(words, rules, second_line):
        return [_group_single(words, second_line)]
    cut = next((b - offset for b in breaks if 0 < b - offset < len(words)), None)
    if cut is None:
        return _group_cues(words, rules, second_line)
    return _pada_cues(words[:cut], breaks, rules, second_line, offset) + _pada_cues(
        words[cut:], breaks, rules, second_line, offset + cut
    )


def _group_single(words: Sequence[Word], second_line: SecondLine | None) -> Cue:
    text = " ".join(w.text for w in words)
    return Cue(words[0].start_ms, words[-1].end_ms, text, second_line(text) if second_line else "", words=tuple(words))


def retime(cues: Sequence[Cue], rules: CueRules, duration_ms: int | None = None) -> list[Cue]:
    """Give cues reading time, keep the minimum gap, never overlap, stay inside the recording."""
    end_of_audio = duration_ms if duration_ms is not None else max((c.end_ms for c in cues), default=0)
    starts = [min(c.start_ms, end_of_audio) for c in cues]
    ends = [min(max(c.end_ms, s), end_of_audio) for c, s in zip(cues, starts)]
    gap = rules.min_gap_ms
    for i, cue in enumerate(cues):  # reading time, taken from the gap that follows
        natural = ends[i] - starts[i]
        wanted = max(natural, rules.min_duration_ms, reading_ms(cue.text, rules))
        wanted = min(wanted, max(natural, rules.max_duration_ms))
        ceiling = starts[i + 1] - gap if i + 1 < len(cues) else end_of_audio
        ends[i] = max(ends[i], min(starts[i] + wanted, ceiling))
    for i in range(len(cues)):  # forward: shorten the earlier cue, else delay the later one
        if i and starts[i] < ends[i - 1] + gap:
            if ends[i - 1] - (ends[i - 1] + gap - starts[i]) > starts[i - 1]:
                ends[i - 1] = starts[i] - gap
            else:
                starts[i] = ends[i - 1] + gap
        ends[i] = max(ends[i], starts[i] + 1)
    for i in range(len(cues) - 1, -1, -1):  # backward: only when the forward pass ran past the end
        limit = end_of_audio if i == len(cues) - 1 else starts[i + 1] - gap
        if ends[i] > limit:
            ends[i] = max(limit, 1)
            starts[i] = min(starts[i], ends[i] - 1)
    return [replace(c, start_ms=max(0, s), end_ms=e) for c, s, e in zip(cues, starts, ends)]
