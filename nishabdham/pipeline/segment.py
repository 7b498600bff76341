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

from nishabdham.pipeline.script import grapheme_len, is_complex
from nishabdham.types import Cue, Word

SecondLine = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class CueRules:
    """The subtitle rule profile (defaults: Netflix, with WhisperX's 30 for Telugu)."""

    max_lines: int = 2
    """Lines on screen per cue, both languages together."""
    max_line_latin: int = 42
    """Longest line in Latin script, in grapheme clusters."""
    max_line_complex: int = 30
    """Longest line in Telugu (and other complex scripts), in grapheme clusters (aksharas)."""
    min_duration_ms: int = 833
    """Shortest time a cue stays on screen (when the gap to the next cue allows)."""
    max_duration_ms: int = 7000
    """Longest time a cue of several words may span; one long word may exceed it."""
    max_cps: float = 17.0
    """Reading speed limit, grapheme clusters per second; cues are kept up longer to meet it."""
    min_gap_ms: int = 83
    """Smallest gap between two cues (two frames at 24 fps)."""
    pause_ms: int = 600
    """A pause at least this long always ends a cue (the end of a poem line or sentence)."""
    merge_gap_ms: int = 300
    """A cue shorter than the minimum may merge with a neighbour this close, if the result fits."""
    sentence_marks: str = ".?!।॥|"
    """Punctuation that ends a sentence (a preferred cue break)."""
    clause_marks: str = ",;:—–"
    """Punctuation that ends a clause (a weaker break)."""
    speaker_prefix: bool = False
    """Show each cue's speaker ("Host: ...") in front of its first line, when the cue has one."""


# --------------------------------------------------------------------------- layout


def line_limit(text: str, rules: CueRules) -> int:
    return rules.max_line_complex if is_complex(text) else rules.max_line_latin


def layout_lines(text: str, rules: CueRules, max_lines: int | None = None) -> list[str] | None:
    """Break ``text`` into at most ``max_lines`` balanced lines within the limit, or None.

    Explicit newlines (an editor's choice) are kept; otherwise the smallest
    number of lines is used, as evenly filled as possible.
    """
    max_lines = rules.max_lines if max_lines is None else max_lines
    if "\n" in text:
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        ok = len(lines) <= max_lines and all(grapheme_len(x) <= line_limit(x, rules) for x in lines)
        return lines if ok else None
    words = text.split()
    if not words:
        return []
    limit = line_limit(text, rules)
    for count in range(1, max_lines + 1):
        lines = _balanced(words, count, limit)
        if lines is not None:
            return lines
    return None


def _balanced(words: list[str], count: int, limit: int) -> list[str] | None:
    """Pack words into ``count`` lines with the smallest possible longest line."""
    lengths = [grapheme_len(w) for w in words]
    if max(lengths) > limit:
        return None
    lo, hi = max(lengths), min(limit, sum(lengths) + len(words) - 1)
    if _pack(lengths, hi) is None or len(_pack(lengths, hi)) > count:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        packed = _pack(lengths, mid)
        if packed is not None and len(packed) <= count:
            hi = mid
        else:
            lo = mid + 1
    breaks = _pack(lengths, lo) or []
    return [" ".join(words[a:b]) for a, b in breaks]


def _pack(lengths: list[int], width: int) -> list[tuple[int, int]] | None:
    """Greedy line packing: (start, end) word ranges of lines at most ``width`` long."""
    lines, start, used = [], 0, -1
    for i, n in enumerate(lengths):
        if n > width:
            return None
        if used + 1 + n > width:
            lines.append((start, i))
            start, used = i, -1
        used += 1 + n
    lines.append((start, len(lengths)))
    return lines


def cue_lines(cue: Cue, rules: CueRules) -> list[str]:
    """The lines a player shows for ``cue``: primary lines, then second-line lines."""
    primary_max, second_max = _line_budget(bool(cue.second), rules)
    lines = layout_lines(cue.text, rules, primary_max) or _force_lines(cue.text, rules, primary_max)
    if cue.second:
        lines += layout_lines(cue.second, rules, second_max) or _force_lines(cue.second, rules, second_max)
    prefix = f"{cue.speaker}: " if cue.speaker and rules.speaker_prefix else ""
    if prefix and lines:
        lines[0] = prefix + lines[0]
    return lines


def _force_lines(text: str, rules: CueRules, max_lines: int) -> list[str]:
    """Lines for text that cannot meet the limit (one very long word): never lose text."""
    if "\n" in text:
        return [x.strip() for x in text.split("\n") if x.strip()]
    words = text.split()
    if len(words) <= max_lines:
        return words or [text]
    per = math.ceil(len(words) / max_lines)
    return [" ".join(words[i : i + per]) for i in range(0, len(words), per)]


def _line_budget(has_second: bool, rules: CueRules) -> tuple[int, int]:
    if not has_second:
        return rules.max_lines, 0
    primary = max(1, rules.max_lines // 2)
    return primary, max(1, rules.max_lines - primary)


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
        wanted = max(natural, rules.min_duration_ms, _reading_ms(cue.text, rules))
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


def _reading_ms(text: str, rules: CueRules) -> int:
    return int(math.ceil(1000 * grapheme_len(text.replace("\n", " ")) / rules.max_cps)) if rules.max_cps > 0 else 0


# --------------------------------------------------------------------------- checks


def reading_speed(cue: Cue) -> float:
    """Grapheme clusters per second of the primary text."""
    seconds = max(cue.duration_ms, 1) / 1000
    return grapheme_len(cue.text.replace("\n", " ")) / seconds


def cue_problems(cue: Cue, rules: CueRules, next_cue: Cue | None = None) -> list[str]:
    """Which rules ``cue`` breaks, in words an editor understands (empty when none)."""
    problems = []
    primary_max, second_max = _line_budget(bool(cue.second), rules)
    for label, text, budget in (("line 1", cue.text, primary_max), ("line 2", cue.second, second_max)):
        if not text:
            continue
        if layout_lines(text, rules, budget) is None:
            longest = max((grapheme_len(x) for x in text.split("\n")), default=0)
            problems.append(
                f"{label} too long: {grapheme_len(text)} characters do not fit {budget} line(s) of "
                f"{line_limit(text, rules)} (longest piece {longest})"
            )
    if cue.duration_ms < rules.min_duration_ms:
        problems.append(f"too short: {cue.duration_ms} ms < {rules.min_duration_ms} ms")
    if cue.duration_ms > rules.max_duration_ms:
        problems.append(f"too long on screen: {cue.duration_ms / 1000:.1f} s > {rules.max_duration_ms / 1000:.1f} s")
    cps = reading_speed(cue)
    if cps > rules.max_cps:
        problems.append(f"reading speed {cps:.1f} > {rules.max_cps:g} characters/s")
    if next_cue is not None and next_cue.start_ms - cue.end_ms < rules.min_gap_ms:
        problems.append(f"gap to next cue {next_cue.start_ms - cue.end_ms} ms < {rules.min_gap_ms} ms")
    return problems
