"""Which library poems a recording reads, and where: retrieval, verification, a clear margin (issue 22).

1. **Retrieval.** The heard words' phonetic keys (the aligner's
   :func:`~nishabdham.pipeline.known_text.align.heard_key`) are cut into overlapping windows
   of about :data:`WINDOW_CHARS` key characters, one starting every :data:`WINDOW_STEP`
   characters; each window asks the library's index (BM25 over 3- and 4-grams) for its
   :data:`TOP_K` best lines. The hits of one poem that lie close together make a *candidate*:
   the poem and a stretch of the recording.
2. **Verification.** Each candidate's poem is aligned by the existing line alignment
   (:func:`~nishabdham.pipeline.known_text.align.align_text`) to its stretch, widened by the
   poem's own length on each side; its *evidence* is, over the lines placed with at least
   :data:`MIN_LINE_CONFIDENCE`, the key characters that agree less those that do not
   (``(2 c - 1) * n`` for a line of confidence ``c`` over ``n`` characters).
3. **Decision.** Candidates are taken best first. One is accepted only with evidence of at
   least :data:`MIN_EVIDENCE` characters and when no other poem, over the same heard words,
   has more than :data:`MAX_RIVAL_SHARE` of its evidence (a poem with the same lines, a copy in
   another anthology, is no rival). Heard words that an accepted poem has taken are not
   taken again.

Lines of an accepted poem placed with less than :data:`MIN_LINE_CONFIDENCE`, and every heard
word that no accepted line covers, stay as heard: precision before recall.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from nishabdham.pipeline.known_text.align import Alignment, LineMatch, align_text, heard_key
from nishabdham.pipeline.known_text.index import Hit, LibraryIndex, line_keys
from nishabdham.pipeline.known_text.library import Library
from nishabdham.types import Word

log = logging.getLogger(__name__)

# Chosen on readings built from cv_te_spkA's dev clips with the corpus as distractors (bench/bench_library.py);
# reported on cv_te_spkC. Key characters are the aligner's (a Telugu line of 4 words has about 25).
WINDOW_CHARS = 24
"""A retrieval query holds about this many heard key characters (about a short line)."""
WINDOW_STEP = 8
"""A new query starts every this many key characters."""
TOP_K = 5
"""Library lines each query brings back."""
MAX_GAP_CHARS = 60
"""Hits of one poem further apart than this (plus the poem's own length) are two candidates."""
MIN_LINE_CONFIDENCE = 0.6
"""A line placed with a lower alignment confidence is never shown: the heard words stay."""
MIN_EVIDENCE = 12.0
"""A poem is accepted only with at least this many agreeing key characters more than disagreeing ones."""
MAX_RIVAL_SHARE = 0.6
"""A poem is accepted only when no other poem over the same heard words has more than this share of its evidence."""
MAX_CANDIDATES = 6
"""Candidates verified per stretch of the recording, best retrieved first."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A poem that retrieval found, the heard words it was found over, and how well it aligns there."""

    poem: int
    """Index in :attr:`Library.poems`."""
    first: int
    last: int
    """Heard words ``first:last`` that were aligned to it."""
    retrieval: float
    """The sum of its best BM25 score per window."""
    evidence: float = 0.0
    matches: tuple[LineMatch, ...] = ()
    """The lines placed with at least :data:`MIN_LINE_CONFIDENCE` (heard indices of the whole recording)."""


@dataclass(frozen=True, slots=True)
class Found:
    """An accepted poem: its candidate, and the best rival's evidence over the same words."""

    candidate: Candidate
    rival: float
    rival_poem: int | None = None
    twins: tuple[int, ...] = ()
    """Other poems whose lines placed here are the same text (a poem in two anthologies): the cues are right
    whichever it is, but which poem was read is not known."""

    @property
    def margin(self) -> float:
        """1 - rival evidence / evidence: 1.0 when nothing else came close."""
        return 1.0 - self.rival / self.candidate.evidence


@dataclass(frozen=True, slots=True)
class Identification:
    """The poems found in a recording, the near misses, and the time it took."""

    found: tuple[Found, ...] = ()
    rejected: tuple[Found, ...] = ()
    """The best candidate of a stretch that was not accepted (too little evidence, or a rival too close)."""
    seconds: float = 0.0
    queries: int = 0
    verified: int = 0
    keys: tuple[str, ...] = field(default=(), repr=False)


def identify(heard: Sequence[Word], library: Library, index: LibraryIndex) -> Identification:
    """The library poems read in ``heard`` (clean words, in time order) and where."""
    started = time.perf_counter()
    hkeys = [heard_key(w) for w in heard]
    windows = _windows(hkeys)
    hits = index.search(["".join(hkeys[a:b]) for a, b in windows], TOP_K)
    candidates = _candidates(windows, hits, library, hkeys)
    verified = [_verify(c, library, heard, hkeys) for c in candidates]
    found, rejected = _decide(verified, library)
    seconds = time.perf_counter() - started
    log.info(
        "library: %d windows, %d candidates verified, %d poems found in %.2f s",
        len(windows),
        len(verified),
        len(found),
        seconds,
    )
    return Identification(tuple(found), tuple(rejected), seconds, len(windows), len(verified), tuple(hkeys))


def _windows(hkeys: list[str]) -> list[tuple[int, int]]:
    """Heard word ranges of about WINDOW_CHARS key characters, one starting every WINDOW_STEP characters."""
    starts = [0] * (len(hkeys) + 1)  # key characters before each word
    for i, key in enumerate(hkeys):
        starts[i + 1] = starts[i] + len(key)
    out, next_at, last = [], 0, 0
    for first in range(len(hkeys)):
        if not hkeys[first] or starts[first] < next_at:
            continue
        last = max(last, first + 1)
        while last < len(hkeys) and starts[last] - starts[first] < WINDOW_CHARS:
            last += 1
        out.append((first, last))
        next_at = starts[first] + WINDOW_STEP
    return out


def _candidates(windows, hits: list[list[Hit]], library: Library, hkeys: list[str]) -> list[Candidate]:
    """The hits grouped by poem and by place; the MAX_CANDIDATES best per stretch of the recording."""
    by_poem: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    for (first, last), found in zip(windows, hits):
        best: dict[int, float] = {}
        for hit in found:
            best[hit.poem] = max(best.get(hit.poem, 0.0), hit.score)
        for poem, score in best.items():
            by_poem[poem].append((first, last, score))
    chars = [0]
    for key in hkeys:
        chars.append(chars[-1] + len(key))
    out = []
    for poem, places in by_poem.items():
        reach = MAX_GAP_CHARS + sum(len(k) for k in _poem_keys(library, poem))
        group = [places[0]]
        for place in places[1:]:
            if chars[place[0]] - chars[group[-1][1]] > reach:
                out.append(_candidate(poem, group))
                group = []
            group.append(place)
        out.append(_candidate(poem, group))
    return _best_per_stretch(out)


def _candidate(poem: int, group: list[tuple[int, int, float]]) -> Candidate:
    return Candidate(poem, min(g[0] for g in group), max(g[1] for g in group), sum(g[2] for g in group))


def _best_per_stretch(candidates: list[Candidate]) -> list[Candidate]:
    """At most MAX_CANDIDATES candidates over any heard word, the best retrieved kept."""
    load: dict[int, int] = defaultdict(int)
    out = []
    for c in sorted(candidates, key=lambda c: -c.retrieval):
        if max(load[w] for w in range(c.first, c.last)) >= MAX_CANDIDATES:
            continue
        for w in range(c.first, c.last):
            load[w] += 1
        out.append(c)
    return out


_KEYS: dict[tuple[str, int], list[str]] = {}


def _poem_keys(library: Library, poem: int) -> list[str]:
    """The key of each line of a poem (kept per library and poem)."""
    cached = _KEYS.get((library.digest, poem))
    if cached is None:
        cached = line_keys([line.text for line in library.poems[poem].text.lines])
        if len(_KEYS) > 50000:
            _KEYS.clear()
        _KEYS[(library.digest, poem)] = cached
    return cached


def _verify(candidate: Candidate, library: Library, heard: Sequence[Word], hkeys: list[str]) -> Candidate:
    """Align the poem to its stretch, widened by the poem's length on each side; score its good lines."""
    keys = _poem_keys(library, candidate.poem)
    widen = sum(len(k) for k in keys)
    first, last = candidate.first, candidate.last
    room = 0
    while first > 0 and room < widen:
        first -= 1
        room += len(hkeys[first])
    room = 0
    while last < len(heard) and room < widen:
        room += len(hkeys[last])
        last += 1
    poem = library.poems[candidate.poem].text
    alignment: Alignment = align_text(poem, heard[first:last], hkeys[first:last], keys)
    good = tuple(_shifted(m, first) for m in alignment.matches if m.confidence >= MIN_LINE_CONFIDENCE)
    evidence = sum(_agreement(m, keys[m.line], hkeys) for m in good)
    span = (good[0].first, good[-1].last) if good else (candidate.first, candidate.last)
    return Candidate(candidate.poem, min(m.first for m in good) if good else span[0],
                     max(m.last for m in good) if good else span[1], candidate.retrieval, evidence, good)  # fmt: skip


def _shifted(match: LineMatch, offset: int) -> LineMatch:
    from dataclasses import replace

    return replace(match, first=match.first + offset, last=match.last + offset)


def _agreement(match: LineMatch, line_key: str, hkeys: list[str]) -> float:
    """(2 c - 1) times the longer of the two keys: agreeing characters less disagreeing ones."""
    heard = sum(len(k) for k in hkeys[match.first : match.last])
    return (2 * match.confidence - 1) * max(len(line_key), heard)


def _decide(candidates: list[Candidate], library: Library) -> tuple[list[Found], list[Found]]:
    """Best evidence first: accept with enough evidence and no close rival; taken words are not taken again."""
    taken: set[int] = set()
    found, rejected = [], []
    pool = sorted((c for c in candidates if c.evidence > 0), key=lambda c: (-c.evidence, c.poem))
    for c in pool:
        words = _words(c)
        if words & taken:
            continue
        near = [r for r in pool if r is not c and _words(r) & words]
        twins = tuple(dict.fromkeys(r.poem for r in near if _same_text(library, r, c) and r.poem != c.poem))
        rival = max((r for r in near if r.poem not in twins), key=lambda r: r.evidence, default=None)
        outcome = Found(c, rival.evidence if rival else 0.0, rival.poem if rival else None, twins)
        if c.evidence >= MIN_EVIDENCE and outcome.rival <= MAX_RIVAL_SHARE * c.evidence:
            found.append(outcome)
            taken |= words
        else:
            rejected.append(outcome)
            taken |= words  # its words are in doubt: no weaker candidate takes them either
    found.sort(key=lambda f: f.candidate.first)
    return found, rejected


def _words(c: Candidate) -> set[int]:
    return {w for m in c.matches for w in range(m.first, m.last)}


def _same_text(library: Library, a: Candidate, b: Candidate) -> bool:
    """True when every line ``a`` placed is a line of ``b``'s poem too (the same poem in two files)."""
    theirs = {line.text for line in library.poems[b.poem].text.lines}
    return all(library.poems[a.poem].text.lines[m.line].text in theirs for m in a.matches)
