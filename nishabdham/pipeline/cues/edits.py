"""An editor's split and merge, retimed to the subtitle rules.

A split cuts a cue before a word (or at a time, such as the playhead) and a merge joins a cue with
the next; then :func:`fit_cues` retimes the changed cues inside the room their unchanged
neighbours leave, so that each is on screen at least the minimum duration and two cues are never
closer than the minimum gap, wherever that room allows it (as Subtitle Edit does after a split).
Free time around the cues is used first (after a cue, then before it); only then does the
boundary between the changed cues move. A cue also gets its reading time and, before a pause,
its hold (see :func:`nishabdham.pipeline.cues.segment.retime`), but only out of free time.

The functions work on any frozen dataclass with the fields of :class:`~nishabdham.types.Cue`
that they touch (``start_ms``, ``end_ms``, ``text``, ``second``, ``words``, and for a merge
``speaker``, ``origin``, ``confidence``) and keep everything else: the second piece of a split is
a copy of the first with new times and text. The review UI hands them the :class:`Cue` each of
its review cues wraps and puts the results back under the cues' ids, the second piece of a split
under a new one (:mod:`nishabdham.review_ui.editing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, TypeVar

from nishabdham.errors import ReviewError
from nishabdham.pipeline.cues.rules import CueRules, SecondLine, hold_ms, reading_ms
from nishabdham.pipeline.script import grapheme_len

C = TypeVar("C", bound=Any)


# --------------------------------------------------------------------------- split


def split_cue(cues: Sequence[C], index: int, at_word: int | None = None, at_ms: int | None = None,
              rules: CueRules = CueRules(), duration_ms: int | None = None,
              second_line: SecondLine | None = None) -> list[C]:  # fmt: skip
    """Split ``cues[index]`` before its word ``at_word`` (0-based, 1..n-1), or at the time ``at_ms``.

    With ``at_word``, the boundary comes from the word timestamps when the cue has one timed word
    per written word, else from the share of aksharas on each side; with ``at_ms`` the text is cut
    at the word boundary nearest that time and the boundary is ``at_ms``. Line 2 is made anew by
    ``second_line`` when given, else cut at the same word (proportionally when it has a different
    number of words). Both pieces are then fitted to the rules (:func:`fit_cues`).
    """
    head, tail = split_pieces(cues[index], at_word, at_ms, second_line)
    out = [*cues[:index], head, tail, *cues[index + 1 :]]
    lo, hi = _room(out, index, index + 1, rules, duration_ms)
    if hi - lo < 2 * (rules.min_gap_ms + 1):
        raise ReviewError(
            f"cue {index + 1} has {max(hi - lo, 0)} ms between its neighbours' gaps: too little to split it in two; "
            "merge it or move its neighbours first"
        )
    return fit_cues(out, (index, index + 1), rules, duration_ms)


def split_pieces(cue: C, at_word: int | None = None, at_ms: int | None = None,
                 second_line: SecondLine | None = None) -> tuple[C, C]:  # fmt: skip
    """The two pieces of a split, timed at the boundary (not yet fitted to the rules)."""
    written = cue.text.split()
    timed = len(cue.words) == len(written)
    if (at_word is None) == (at_ms is None):
        raise ReviewError("split a cue either before a word or at a time: give one of the two, not both")
    if at_word is None:
        at_word = _word_at(cue, written, timed, at_ms)
    if not 0 < at_word < len(written):
        raise ReviewError(f"choose a word inside the cue to split at (2 to {len(written)})")
    if at_ms is not None:
        first_end = second_start = min(max(at_ms, cue.start_ms + 1), cue.end_ms - 1)
    elif timed:
        first_end, second_start = (
            cue.words[at_word - 1].end_ms,
            max(cue.words[at_word].start_ms, cue.words[at_word - 1].end_ms),
        )
    else:
        first_end = second_start = _proportional(cue, written, at_word)
    head_text, tail_text = " ".join(written[:at_word]), " ".join(written[at_word:])
    if second_line is not None:
        head_second, tail_second = second_line(head_text), second_line(tail_text)
    else:
        head_second, tail_second = _split_second(cue.second, at_word, len(written))
    if timed:
        head_words, tail_words = tuple(cue.words[:at_word]), tuple(cue.words[at_word:])
    else:
        cut = (first_end + second_start) / 2
        head_words = tuple(w for w in cue.words if (w.start_ms + w.end_ms) / 2 < cut)
        tail_words = tuple(w for w in cue.words if (w.start_ms + w.end_ms) / 2 >= cut)
    head = replace(cue, end_ms=first_end, text=head_text, second=head_second, words=head_words)
    tail = replace(cue, start_ms=second_start, text=tail_text, second=tail_second, words=tail_words)
    return head, tail


def _proportional(cue: Any, written: list[str], at_word: int) -> int:
    left, right = grapheme_len("".join(written[:at_word])), grapheme_len("".join(written[at_word:]))
    return cue.start_ms + round((cue.end_ms - cue.start_ms) * left / max(left + right, 1))


def _word_at(cue: Any, written: list[str], timed: bool, at_ms: int | None) -> int:
    """The word boundary nearest ``at_ms`` (by word times, else by the share of aksharas)."""
    if timed:
        bounds = [(cue.words[k - 1].end_ms + cue.words[k].start_ms) / 2 for k in range(1, len(written))]
    else:
        bounds = [_proportional(cue, written, k) for k in range(1, len(written))]
    if not bounds:
        return 1
    return 1 + min(range(len(bounds)), key=lambda k: abs(bounds[k] - (at_ms or 0)))


def _split_second(second: str, at_word: int, count: int) -> tuple[str, str]:
    parts = second.split()
    if not parts:
        return "", ""
    k = at_word if len(parts) == count else round(at_word * len(parts) / count)
    return " ".join(parts[:k]), " ".join(parts[k:])


# --------------------------------------------------------------------------- merge


def merge_cues(cues: Sequence[C], index: int, rules: CueRules = CueRules(), duration_ms: int | None = None,
               second_line: SecondLine | None = None) -> list[C]:  # fmt: skip
    """Merge ``cues[index]`` with the cue after it, then fit the merged cue to the rules.

    The merged cue spans both, keeps the first one's other fields, and joins text, words and line 2
    (``second_line`` makes line 2 anew when given). Its speaker is the first's (else the second's),
    its origin theirs when they agree, else ``mixed``; its confidence the lower of the two.
    """
    if not 0 <= index < len(cues) - 1:
        raise ReviewError(f"cue {index + 1} is the last cue; there is nothing after it to merge with")
    merged = merge_pair(cues[index], cues[index + 1], second_line)
    return fit_cues([*cues[:index], merged, *cues[index + 2 :]], (index,), rules, duration_ms)


def merge_pair(a: C, b: C, second_line: SecondLine | None = None) -> C:
    """Two cues as one (not yet fitted to the rules)."""
    text = " ".join(t for t in (a.text, b.text) if t)
    second = second_line(text) if second_line is not None else " ".join(t for t in (a.second, b.second) if t)
    confidences = [c for c in (a.confidence, b.confidence) if c is not None]
    return replace(
        a,
        end_ms=max(a.end_ms, b.end_ms),
        text=text,
        second=second,
        speaker=a.speaker or b.speaker,
        words=tuple(a.words) + tuple(b.words),
        origin=a.origin if a.origin == b.origin else "mixed",
        confidence=min(confidences, default=None),
    )


# --------------------------------------------------------------------------- fitting


def fit_cues(cues: Sequence[C], changed: Sequence[int], rules: CueRules = CueRules(),
             duration_ms: int | None = None) -> list[C]:  # fmt: skip
    """Retime the ``changed`` cues (consecutive indices) to the rules, inside their neighbours' room.

    The room runs from the previous cue's end plus the minimum gap to the next cue's start minus
    the minimum gap (the recording's start and end at the edges). Each changed cue gets at least
    the minimum duration and the minimum gap to the next (:func:`_fit_minimum`); then its reading
    time (every line) and its hold before a pause, out of free time after it. Unchanged cues never
    move. When the room cannot hold every changed cue at the minimum, they share it evenly, and
    the rules say what is still wrong.
    """
    if not changed:
        return list(cues)
    first, last = min(changed), max(changed)
    gap, block = rules.min_gap_ms, list(cues[first : last + 1])
    end = duration_ms if duration_ms is not None else max(c.end_ms for c in cues)
    lo, hi = _room(cues, first, last, rules, duration_ms)
    if hi - lo < len(block) * (gap + 1):  # no room at all: leave the times to the editor
        return list(cues)
    starts = [min(max(c.start_ms, lo), hi - 1) for c in block]
    ends = [min(max(c.end_ms, s + 1), hi) for c, s in zip(block, starts)]
    _open_gaps(starts, ends, lo, hi, gap)
    _fit_minimum(starts, ends, lo, hi, gap, rules.min_duration_ms)
    following = cues[last + 1].start_ms if last + 1 < len(cues) else end
    for k, cue in enumerate(block):  # reading time and hold, out of free time after the cue only
        ceiling = starts[k + 1] - gap if k + 1 < len(block) else hi
        pause = (starts[k + 1] if k + 1 < len(block) else following) - ends[k]
        natural = ends[k] - starts[k]
        wanted = max(reading_ms(cue.text, cue.second, rules), hold_ms(cue.text, cue.second, pause, rules))
        wanted = min(wanted, max(natural, rules.max_duration_ms))
        ends[k] = max(ends[k], min(starts[k] + wanted, ceiling))
    fitted = [replace(c, start_ms=s, end_ms=e) for c, s, e in zip(block, starts, ends)]
    return [*cues[:first], *fitted, *cues[last + 1 :]]


def _room(cues: Sequence[Any], first: int, last: int, rules: CueRules, duration_ms: int | None) -> tuple[int, int]:
    """Where cues ``first..last`` may lie: from the previous cue's end to the next one's start, gaps kept."""
    end = duration_ms if duration_ms is not None else max(c.end_ms for c in cues)
    lo = cues[first - 1].end_ms + rules.min_gap_ms if first > 0 else 0
    hi = cues[last + 1].start_ms - rules.min_gap_ms if last + 1 < len(cues) else end
    return lo, hi


def _open_gaps(starts: list[int], ends: list[int], lo: int, hi: int, gap: int) -> None:
    """Where two changed cues are closer than the gap, open it around their boundary; all inside the room."""
    n = len(starts)
    for k in range(n - 1):
        if starts[k + 1] - ends[k] < gap:
            middle = (ends[k] + starts[k + 1]) // 2
            ends[k] = max(middle - gap // 2, starts[k] + 1)
            starts[k + 1] = max(ends[k] + gap, starts[k + 1])
            ends[k + 1] = max(ends[k + 1], starts[k + 1] + 1)
    for k in range(n - 1, -1, -1):  # back inside the room where that pushed a cue past its end
        ends[k] = min(ends[k], starts[k + 1] - gap if k + 1 < n else hi)
        starts[k] = min(starts[k], ends[k] - 1)


def _fit_minimum(starts: list[int], ends: list[int], lo: int, hi: int, gap: int, minimum: int) -> None:
    """Give each changed cue the minimum duration, in this order: free time after it, free time
    before it, free time the changed neighbours can move into, then time the neighbours can spare
    (down to the minimum, or an even share of the room when it cannot hold every cue at the minimum)."""
    n = len(starts)
    fair = min(minimum, (hi - lo - (n - 1) * gap) // n)

    def after(k: int) -> int:
        return (starts[k + 1] - gap if k + 1 < n else hi) - ends[k]

    def before(k: int) -> int:
        return starts[k] - (ends[k - 1] + gap if k else lo)

    def need(k: int) -> int:
        return minimum - (ends[k] - starts[k])

    for k in range(n):
        ends[k] += _part(need(k), after(k))
        starts[k] -= _part(need(k), before(k))
        if k + 1 < n:  # the next changed cue moves later, then gives up what it can spare
            x = _part(need(k), after(k + 1))
            starts[k + 1], ends[k + 1], ends[k] = starts[k + 1] + x, ends[k + 1] + x, ends[k] + x
            x = _part(need(k), ends[k + 1] - starts[k + 1] - fair)
            starts[k + 1], ends[k] = starts[k + 1] + x, ends[k] + x
        if k:  # the previous changed cue moves earlier, then gives up what it can spare
            x = _part(need(k), before(k - 1))
            starts[k - 1], ends[k - 1], starts[k] = starts[k - 1] - x, ends[k - 1] - x, starts[k] - x
            x = _part(need(k), ends[k - 1] - starts[k - 1] - fair)
            ends[k - 1], starts[k] = ends[k - 1] - x, starts[k] - x


def _part(wanted: int, available: int) -> int:
    return max(0, min(wanted, available))
