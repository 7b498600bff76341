"""Placing lines in the heard words: the costs, every stretch scored against every line, the cheapest reading."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# Costs in key characters. Tuned on speaker cv_te_spkA of the dev set (lines, stanzas,
# repeats, skips, an English introduction built from its clips); reported on cv_te_spkC.
ADD_COST = 0.5
"""Cost of one key character of heard speech that is not from the text."""
SKIP_COST = 3.0
"""Cost of one line of the text that is not read where it comes next."""
REPEAT_COST = 3.0
"""Cost of going back in the text (a refrain or a line read again)."""
MAX_DISTANCE = 0.6
"""A stretch further than this (edit distance / longer key) from a line is never that line."""
UNHEARD_COST = 0.5
"""Cost of a key character of the line that nothing heard matches (Whisper drops words; a wrong sound costs 1)."""
_SPAN_SLACK = 1.6  # a heard stretch may be this many times as long as the line's key (+4 characters)
ENGLISH_SPAN_WEIGHT = 0.6
"""A heard English word set aside inside a line's stretch counts this much of its key's length against the
stretch's length limit: the lowest (of 0, 0.1, ... 1) at which, on cv_te_spkA's readings, no line takes in
a real English comment (bench/bench_align_english.py); invented English inside a line goes with it."""


Spans = list[dict[int, dict[int, tuple[float, int]]]]
"""For each line: first heard word -> after the last -> (cost, reading: -1 as heard, else the index
of the set-aside mask of ``asides`` it was read with)."""


def candidates(lkeys: list[str], hkeys: list[str], asides: Sequence[Sequence[bool]] = ()) -> Spans:
    """For each line: every stretch close enough to be that line, with its cost.

    A stretch is scored as heard and, when words of an ``asides`` mask lie inside it (not at its
    edges), with them set aside: Whisper base writes invented English inside a Telugu line. Set-aside
    words cost ADD_COST a key character, as added speech does, and count ENGLISH_SPAN_WEIGHT of their
    length against the stretch's length limit. The cheapest reading is kept. One ``cdist`` per start
    word and reading scores every line against every stretch from it (in C).
    """
    import numpy as np

    out: Spans = [{} for _ in lkeys]
    lengths = np.array([len(k) for k in lkeys])
    limits = _SPAN_SLACK * lengths + 4
    usable = lengths > 0
    widest = float(limits.max()) if len(lkeys) else 0.0
    for first in range(len(hkeys)):
        if not hkeys[first]:
            continue
        readings = [(-1, _stretches(first, hkeys, widest))]
        readings += [(i, _stretches(first, hkeys, widest, aside)) for i, aside in enumerate(asides)]
        for reading, batch in readings:
            if not batch.keys:
                continue
            costs, close = _scores(lkeys, lengths, limits, batch)
            for line, end in zip(*np.nonzero(close & usable[:, None])):
                cost, last = float(costs[line, end]), batch.ends[end]
                known = out[line].setdefault(first, {}).get(last)
                if known is None or cost < known[0]:
                    out[line][first][last] = (cost, reading)
    return out


@dataclass(slots=True)
class _Batch:
    """Stretches from one heard word, scored together: where each ends, its key, the key characters set aside."""

    ends: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    set_aside: list[int] = field(default_factory=list)


def _stretches(first: int, hkeys: list[str], widest: float, aside: Sequence[bool] | None = None) -> _Batch:
    """The stretches from heard word ``first``, keyed as heard; with ``aside``, the words it marks
    between a stretch's first and last word left out of the key (only stretches that have some)."""
    batch = _Batch()
    inner, set_aside = "", 0
    for last in range(first + 1, len(hkeys) + 1):
        key = hkeys[last - 1]
        if len(inner) + ENGLISH_SPAN_WEIGHT * set_aside > widest:
            break
        if key and (aside is None or set_aside):
            batch.ends.append(last)
            batch.keys.append(inner + key)
            batch.set_aside.append(set_aside)
        if aside is not None and aside[last - 1] and last - 1 > first:
            set_aside += len(key)
        else:
            inner += key
    return batch


def _scores(lkeys: list[str], lengths, limits, batch: _Batch):
    """Every line against every stretch of ``batch``: the cost, and whether the stretch may be that line at all."""
    import numpy as np
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import cdist

    sizes = np.array([len(x) for x in batch.keys])
    aside = np.array(batch.set_aside)
    # the part of the line longer than the stretch is unheard: those characters cost UNHEARD_COST, not 1
    unheard = np.maximum(lengths[:, None] - sizes[None, :], 0)
    distance = cdist(lkeys, batch.keys, scorer=Levenshtein.distance) - (1 - UNHEARD_COST) * unheard
    longer = np.maximum(lengths[:, None], sizes[None, :])
    span = sizes + ENGLISH_SPAN_WEIGHT * aside
    close = (distance <= MAX_DISTANCE * longer) & (span[None, :] <= limits[:, None])
    return distance + ADD_COST * aside[None, :], close


def best_path(n_lines: int, hkeys: list[str], spans) -> list[tuple[int, int, int]]:
    """The cheapest reading: (first, after last, line) for each stretch that is a line, in order.

    State: heard position and the last line read (``u`` = line + 1, 0 before any). Moving
    to line ``j`` from state ``u`` costs SKIP_COST per line jumped over forwards
    (``u <= j``) or REPEAT_COST going back (``u > j``); lines never read after the last
    one cost SKIP_COST each at the end.
    """
    inf = float("inf")
    n = len(hkeys)
    best = [[inf] * (n_lines + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, int] | None]] = [[None] * (n_lines + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for h in range(n + 1):
        row = best[h]
        if h < n:  # heard word h is added speech
            add = ADD_COST * max(len(hkeys[h]), 1)
            for u in range(n_lines + 1):
                if row[u] + add < best[h + 1][u]:
                    best[h + 1][u], back[h + 1][u] = row[u] + add, (h, u, -1)
        if h == n or all(v == inf for v in row):
            continue
        entries = _entry_costs(row, n_lines)
        for j in range(n_lines):
            ends = spans[j].get(h)
            if not ends:
                continue
            entry, origin = entries[j]
            for last, (distance, _) in ends.items():
                cost = entry + distance
                if cost < best[last][j + 1]:
                    best[last][j + 1], back[last][j + 1] = cost, (h, origin, j)
    finals = [best[n][u] + SKIP_COST * (n_lines - u) for u in range(n_lines + 1)]
    u = min(range(n_lines + 1), key=finals.__getitem__)
    path, h = [], n
    while h > 0 and back[h][u] is not None:
        prev_h, prev_u, line = back[h][u]
        if line >= 0:
            path.append((prev_h, h, line))
        h, u = prev_h, prev_u
    return path[::-1]


def _entry_costs(row: list[float], n_lines: int) -> list[tuple[float, int]]:
    """For each line j: the cheapest way into it from this heard position, and the state it comes from.

    Forwards (``u <= j``) costs SKIP_COST * (j - u): a running minimum of row[u] - SKIP_COST * u;
    backwards (``u > j``) costs REPEAT_COST: a minimum over the states after j.
    """
    inf = float("inf")
    forward: list[tuple[float, int]] = []
    low, low_u = inf, 0
    for j in range(n_lines):
        if row[j] - SKIP_COST * j < low:
            low, low_u = row[j] - SKIP_COST * j, j
        forward.append((low + SKIP_COST * j, low_u))
    out: list[tuple[float, int]] = [(inf, 0)] * n_lines
    high, high_u = inf, 0
    for j in range(n_lines - 1, -1, -1):
        if row[j + 1] < high:
            high, high_u = row[j + 1], j + 1
        out[j] = min(forward[j], (high + REPEAT_COST, high_u))
    return out
