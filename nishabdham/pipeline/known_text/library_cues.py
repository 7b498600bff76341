"""Cues from the poem library: the lines of the poems found carry their published text, the rest is heard.

A cue from the library has ``origin`` ``library:<poem id>:<line>`` (the poem's id in the library,
its 1-based verse line: :func:`library_origin`, read back by :func:`parse_library_origin`) and
the line's alignment confidence; every other cue is ``heard``. The report that goes into the
transcript's JSON (``alignment["library"]``) lists the poems found (where, how sure, which
lines), and the near misses a reviewer may want to check.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from nishabdham.pipeline.cues.rules import CueRules, SecondLine
from nishabdham.pipeline.cues.segment import VersePiece, clean_words, verse_cues
from nishabdham.pipeline.known_text.align import snap_to_speech
from nishabdham.pipeline.known_text.identify import MIN_EVIDENCE, Found, Identification, identify
from nishabdham.pipeline.known_text.index import LibraryIndex, load_index
from nishabdham.pipeline.known_text.library import Library, folder_stamp, read_library
from nishabdham.pipeline.known_text.verse import line_metre, pada_breaks
from nishabdham.pipeline.vad import SpeechRegion
from nishabdham.types import Cue, Segment, Word

log = logging.getLogger(__name__)

LIBRARY = "library"


def library_origin(poem_id: str, line: int) -> str:
    """The origin of a cue from line ``line`` (1-based) of library poem ``poem_id``."""
    return f"{LIBRARY}:{poem_id}:{line}"


def parse_library_origin(origin: str) -> tuple[str, int] | None:
    """(poem id, 1-based line) of a library cue's origin, or None for any other origin."""
    kind, _, rest = origin.partition(":")
    poem_id, _, line = rest.rpartition(":")
    if kind != LIBRARY or not poem_id or not line.isdigit():
        return None
    return poem_id, int(line)


@dataclass(frozen=True, slots=True)
class LibraryOptions:
    """The poem library the recordings are matched against (``--library``, the ``library`` setting)."""

    folder: str = ""
    """The library folder; empty: no library (every cue heard, unless a text is given)."""
    cache_dir: str = ""
    """Where its search index is kept (this machine's; empty: the user cache folder)."""


@dataclass(frozen=True, slots=True)
class SearchableLibrary:
    """A library with its index, as the pipeline holds it between recordings."""

    library: Library
    index: LibraryIndex
    stamp: tuple = ()
    """The folder's files, sizes and times when it was read (:func:`open_library` reads it again when they change)."""


def open_library(options: LibraryOptions, current: SearchableLibrary | None = None) -> SearchableLibrary | None:
    """The library of ``options`` with its index; ``current`` again when no file of it changed since.

    A missing folder is an :class:`~nishabdham.errors.InputError`; files that cannot be used are
    left out (logged with file and line; ``nishabdham library check`` lists them).
    """
    if not options.folder:
        return None
    stamp = folder_stamp(options.folder)
    if current is not None and current.stamp == stamp and current.library.root == options.folder:
        return current
    library, problems = read_library(options.folder)
    for problem in problems:
        log.warning("poem library: %s (left out)", problem)
    return SearchableLibrary(library, load_index(library, options.cache_dir or None), stamp)


def library_cues(
    searchable: SearchableLibrary,
    segments: Sequence[Segment],
    rules: CueRules,
    duration_ms: int | None = None,
    second_line: SecondLine | None = None,
    regions: Sequence[SpeechRegion] = (),
    pad_ms: int = 200,
) -> tuple[list[Cue], dict]:
    """Cues for a recording: the found poems' lines from the library, timed by the heard words; the rest heard."""
    library = searchable.library
    heard = clean_words([w for s in segments for w in s.words], duration_ms)
    found = identify(heard, library, searchable.index)
    pieces, covered = [], [False] * len(heard)
    for item in found.found:
        poem = library.poems[item.candidate.poem]
        text = poem.with_metre()
        for match in item.candidate.matches:
            if regions:
                match = snap_to_speech(match, heard, regions, pad_ms, duration_ms)
            line = text.lines[match.line].text
            breaks = pada_breaks(line, text.metre or line_metre(line))
            origin = library_origin(poem.id, match.line + 1)
            pieces.append(VersePiece(match.words, origin, match.confidence, breaks))
            covered[match.first : match.last] = [True] * (match.last - match.first)
    pieces += [VersePiece(tuple(run), "heard") for run in _runs(heard, covered)]
    return verse_cues(pieces, rules, duration_ms, second_line), {"library": library_report(library, found, heard)}


def _runs(heard: list[Word], covered: list[bool]) -> list[list[Word]]:
    runs: list[list[Word]] = []
    for word, taken in zip(heard, covered):
        if taken:
            if runs and runs[-1]:
                runs.append([])
            continue
        if not runs:
            runs.append([])
        runs[-1].append(word)
    return [run for run in runs if run]


def library_report(library: Library, found: Identification, heard: Sequence[Word]) -> dict:
    """What the JSON records: each poem found (where, evidence, margin, lines) and the near misses."""
    return {
        "library": library.root,
        "digest": library.digest,
        "poems_in_library": len(library.poems),
        "lines_in_library": library.line_count,
        "seconds": round(found.seconds, 3),
        "found": [_poem_entry(library, item, heard) for item in found.found],
        "rejected": [  # near misses: at least half the evidence a poem needs, held back by it or by a rival
            _poem_entry(library, item, heard) for item in found.rejected if item.candidate.evidence >= MIN_EVIDENCE / 2
        ],
    }


def _poem_entry(library: Library, item: Found, heard: Sequence[Word]) -> dict:
    poem, c = library.poems[item.candidate.poem], item.candidate
    rival = library.poems[item.rival_poem].id if item.rival_poem is not None else ""
    lines = [
        {
            "line": m.line + 1,
            "text": poem.text.lines[m.line].text,
            "start_ms": heard[m.first].start_ms,
            "end_ms": heard[m.last - 1].end_ms,
            "confidence": m.confidence,
            "heard": " ".join(w.text for w in heard[m.first : m.last]),
        }
        for m in c.matches
    ]
    return {
        "id": poem.id,
        "title": poem.title,
        "poet": poem.poet,
        "start_ms": lines[0]["start_ms"] if lines else 0,
        "end_ms": lines[-1]["end_ms"] if lines else 0,
        "evidence": round(c.evidence, 1),
        "margin": round(item.margin, 3),
        "rival": rival,
        "also_in": [library.poems[p].id for p in item.twins],
        "lines_read": len({m.line for m in c.matches}),
        "lines": lines,
    }


def with_heard(cue: Cue, segments: Sequence[Segment], second_line: SecondLine | None = None) -> Cue:
    """A library cue put back to what was heard over its time (a reviewer's rejection): origin ``heard``.

    The heard words are those whose middle lies inside the cue; ``second_line`` makes the
    second line of the heard text (else it is left empty).
    """
    words = tuple(
        w
        for s in segments
        for w in s.words
        if w.text.strip() and cue.start_ms <= (w.start_ms + w.end_ms) // 2 < cue.end_ms
    )
    text = " ".join(w.text.strip() for w in words)
    second = second_line(text) if second_line and text else ""
    return replace(cue, text=text, second=second, words=words, origin="heard", confidence=None)
