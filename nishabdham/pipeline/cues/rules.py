"""The subtitle rule profile and the checks on one cue: line layout, reading speed, cue problems.

Every stage that makes, retimes, writes or checks cues reads its limits from one ``CueRules``.
Length is counted in grapheme clusters (aksharas for Telugu), never code points.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from nishabdham.pipeline.script import grapheme_len, is_complex
from nishabdham.types import Cue

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


def reading_ms(text: str, rules: CueRules) -> int:
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
