"""Align a poem's given text to what was heard: the cues carry the text, timed by the decode.

Both sides are turned into one phonetic key, the lossy skeleton of
:mod:`nishabdham.pipeline.telugu` (vowel length, aspiration, retroflex/dental and doubled
consonants forgotten): a Telugu word of the text through ISO 15919, a heard word through
its romanization (``Word.source`` after restoration, the pivot's spelling) or its Telugu
text, an English word of either side through the same Latin channel.

Each line (pāda) is matched as a whole to a stretch of consecutive heard words, scored by
the edit distance of the keys. A dynamic programme over the heard words then chooses, at
once, which stretches are lines and which are *added* speech (an introduction, a comment),
letting the reader skip lines and read a line again, a refrain (the costs, the scoring and the
programme are in :mod:`nishabdham.pipeline.known_text.placement`). Inside a matched stretch,
each word of the text is timed by a character alignment of the keys: a heard word's time is
spread evenly over its key, and a text word takes the times of the heard characters it aligned
to (interpolated between its neighbours when none did). A line that finds no stretch good
enough is *skipped*: reported, never placed by guesswork.

Whisper base writes English that nobody said inside a Telugu line. Heard English words between
a stretch's first and last word may be *set aside*: left out of its key, they cost what added
speech costs and count ``placement.ENGLISH_SPAN_WEIGHT`` of their length against the stretch's
length limit, so the line keeps its tail while a real comment of several seconds is not hidden
under it. English close to a word of the text (a loan word heard as English) may stay in the key
instead.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import regex

from nishabdham.pipeline.codeswitch.restore import latin_skeleton, normalize_latin
from nishabdham.pipeline.cues.rules import CueRules, SecondLine
from nishabdham.pipeline.cues.segment import VersePiece, clean_words, verse_cues
from nishabdham.pipeline.known_text.placement import MAX_DISTANCE, best_path, candidates
from nishabdham.pipeline.known_text.verse import PoemText, line_metre, pada_breaks
from nishabdham.pipeline.telugu import skeleton, to_iso
from nishabdham.pipeline.vad import SpeechRegion
from nishabdham.types import Cue, Segment, Word

log = logging.getLogger(__name__)

MAX_SNAP_MS = 2500
"""A line's edge moves to the edge of its speech region by at most this much (tuned on cv_te_spkA)."""
JOIN_GAP_MS = 300
"""Speech regions closer than this are one stretch of speech when the line's edges are placed."""
_LETTERS = regex.compile(r"[\p{L}\p{M}\u200c\u200d]+")
_LATIN = regex.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class LineMatch:
    """One reading of one line of the text."""

    line: int
    """Index of the line in :attr:`PoemText.lines`."""
    first: int
    """Index of the first heard word of the stretch."""
    last: int
    """Index after the last heard word of the stretch."""
    confidence: float
    """1 - edit distance / longer key: 1.0 when the keys agree exactly."""
    words: tuple[Word, ...]
    """The words of the text, timed (``source`` is the heard text of the stretch)."""

    @property
    def start_ms(self) -> int:
        return self.words[0].start_ms

    @property
    def end_ms(self) -> int:
        return self.words[-1].end_ms


@dataclass(frozen=True, slots=True)
class Alignment:
    """The given text against the heard words."""

    matches: tuple[LineMatch, ...] = ()
    added: tuple[tuple[int, int], ...] = ()
    """Heard word ranges (first, after last) that are not from the text."""
    skipped: tuple[int, ...] = ()
    """Lines not placed anywhere (not read, or too far from anything heard)."""
    repeated: tuple[int, ...] = field(default=())
    """Lines read more than once."""


LOW_CONFIDENCE = 0.6
"""A line placed with a lower confidence is flagged for review (QA ``text-low-confidence``)."""


# --------------------------------------------------------------------------- the stage


def text_cues(
    poem: PoemText,
    segments: Sequence[Segment],
    rules: CueRules,
    duration_ms: int | None = None,
    second_line: SecondLine | None = None,
    regions: Sequence[SpeechRegion] = (),
    pad_ms: int = 200,
) -> tuple[list[Cue], dict]:
    """Cues from the given text, timed by the heard words, and heard cues for what the text lacks.

    Returns the cues (each marked ``origin`` ``text`` or ``heard``, with a ``confidence``
    for text cues) and the alignment report that goes into the transcript's JSON. With the
    VAD's speech ``regions`` (padded by ``pad_ms``), a line's edges move to where its speech
    starts and ends (:func:`snap_to_speech`).
    """
    heard = clean_words([w for s in segments for w in s.words], duration_ms)
    alignment = align_text(poem, heard)
    if regions:
        matches = tuple(snap_to_speech(m, heard, regions, pad_ms, duration_ms) for m in alignment.matches)
        alignment = replace(alignment, matches=matches)
    pieces = [VersePiece(m.words, "text", m.confidence, _breaks(poem, m.line)) for m in alignment.matches]
    pieces += [VersePiece(tuple(heard[a:b]), "heard") for a, b in alignment.added]
    return verse_cues(pieces, rules, duration_ms, second_line), alignment_report(poem, alignment, heard)


def _breaks(poem: PoemText, line: int) -> tuple[int, ...]:
    """Where a pāda too long for one cue splits: by the poem's metre, else the line's own (a lone vṛtta line)."""
    text = poem.lines[line].text
    return pada_breaks(text, poem.metre or line_metre(text))


def alignment_report(poem: PoemText, alignment: Alignment, heard: Sequence[Word]) -> dict:
    """What the JSON records: each line's readings (times, confidence), skipped lines, additions."""
    lines = []
    for i, line in enumerate(poem.lines):
        readings = [
            {"start_ms": m.start_ms, "end_ms": m.end_ms, "confidence": m.confidence, "heard": m.words[0].source}
            for m in alignment.matches
            if m.line == i
        ]
        status = "skipped" if not readings else "repeated" if len(readings) > 1 else "aligned"
        lines.append(
            {"line": line.number, "stanza": line.stanza, "text": line.text, "status": status, "readings": readings}
        )
    added = [
        {"start_ms": heard[a].start_ms, "end_ms": heard[b - 1].end_ms, "text": " ".join(w.text for w in heard[a:b])}
        for a, b in alignment.added
    ]
    return {
        "text_file": poem.path,
        "metre": poem.metre,
        "lines": lines,
        "skipped": [poem.lines[i].number for i in alignment.skipped],
        "repeated": [poem.lines[i].number for i in alignment.repeated],
        "added": added,
        "low_confidence": LOW_CONFIDENCE,
    }


# --------------------------------------------------------------------------- keys


def text_key(word: str) -> str:
    """The phonetic key of a word of the given text (Telugu or English)."""
    letters = "".join(_LETTERS.findall(unicodedata.normalize("NFC", word)))
    if not letters:
        return ""
    if _LATIN.search(letters):
        return latin_skeleton(normalize_latin(letters))
    return skeleton(to_iso(letters))


def heard_key(word: Word) -> str:
    """The phonetic key of a heard word: its romanization when it had one, else its text."""
    if word.source and _LATIN.search(word.source):
        return latin_skeleton(normalize_latin(word.source))
    return text_key(word.text)


# --------------------------------------------------------------------------- alignment


def align_text(
    poem: PoemText, heard: Sequence[Word], hkeys: Sequence[str] | None = None, lkeys: Sequence[str] | None = None
) -> Alignment:
    """Place every line of ``poem`` in ``heard`` (skipped, repeated and added speech allowed).

    ``hkeys`` and ``lkeys``: the heard words' and the lines' keys when the caller has them already
    (the poem library aligns many poems to the same words).
    """
    heard = list(heard)
    hkeys = list(hkeys) if hkeys is not None else [heard_key(w) for w in heard]
    lkeys = list(lkeys) if lkeys is not None else ["".join(text_key(w) for w in line.words) for line in poem.lines]
    asides = _english_asides(heard, hkeys, poem)
    spans = candidates(lkeys, hkeys, asides)
    path = best_path(len(lkeys), hkeys, spans)
    matches, added, cursor = [], [], 0
    for first, last, line in path:
        if first > cursor:
            added.append((cursor, first))
        reading = spans[line][first][last][1]  # >= 0: English inside the stretch was set aside
        kept = [k for k in range(first, last) if reading < 0 or k in (first, last - 1) or not asides[reading][k]]
        confidence = _confidence(lkeys[line], "".join(hkeys[k] for k in kept))
        source = " ".join(w.text for w in heard[first:last])
        words = _time_words(poem.lines[line].words, [heard[k] for k in kept], [hkeys[k] for k in kept], source)
        matches.append(LineMatch(line, first, last, round(confidence, 3), words))
        cursor = last
    if cursor < len(heard):
        added.append((cursor, len(heard)))
    added = [(a, b) for a, b in added if any(hkeys[a:b]) or any(w.text.strip() for w in heard[a:b])]
    placed = [m.line for m in matches]
    skipped = tuple(i for i in range(len(lkeys)) if i not in placed)
    repeated = tuple(sorted({i for i in placed if placed.count(i) > 1}))
    for i in skipped:
        log.info("text line %d not placed: %s", poem.lines[i].number, poem.lines[i].text)
    return Alignment(tuple(matches), tuple(added), skipped, repeated)


def _confidence(line_key: str, heard: str) -> float:
    """1 - (plain) edit distance / longer key: what a reviewer reads (an unheard word lowers it fully)."""
    from rapidfuzz.distance import Levenshtein

    return 1.0 - Levenshtein.distance(line_key, heard) / max(len(line_key), len(heard), 1)


def _english_asides(heard: Sequence[Word], hkeys: Sequence[str], poem: PoemText) -> list[list[bool]]:
    """What may be set aside inside a line's stretch: every heard English word; and, where it differs,
    the English that no word of the text is (further than MAX_DISTANCE from every text word's key), so that a loan
    word of the text heard as English ("bridge" of బ్రిడ్జిపై) stays in the line while invented English goes."""
    import numpy as np
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import cdist

    english = [w.lang == "en" and bool(_LATIN.search(w.text)) and bool(k) for w, k in zip(heard, hkeys)]
    if not any(english):
        return []
    words = [k for line in poem.lines for k in map(text_key, line.words) if k]
    if not words:
        return [english]
    at = [i for i, e in enumerate(english) if e]
    nearest = cdist([hkeys[i] for i in at], words, scorer=Levenshtein.normalized_distance).min(axis=1)
    invented = list(english)
    for i in np.asarray(at)[nearest <= MAX_DISTANCE]:
        invented[i] = False
    return [english] + ([invented] if any(invented) and invented != english else [])


# --------------------------------------------------------------------------- timing


def snap_to_speech(
    match: LineMatch,
    heard: Sequence[Word],
    regions: Sequence[SpeechRegion],
    pad_ms: int,
    duration_ms: int | None = None,
) -> LineMatch:
    """Move a line's first start and last end to the edges of the speech around them.

    Whisper's word times drift at the edges of a pause (on the dev readings, a line's last
    word ended 1.3 s early on average). When no other heard word shares the VAD region of
    the line's first (last) word before (after) it, the line starts (ends) where that region's
    speech does (the region less its padding), moving by at most :data:`MAX_SNAP_MS`.

    A region that begins at the recording's start (ends at its end, ``duration_ms``) had its
    padding cut there: its speech began somewhere within ``pad_ms`` of the edge, not ``pad_ms``
    after it, so the line's edge is the heard word's own time held inside that stretch.
    """
    words = list(match.words)
    first, last = heard[match.first], heard[match.last - 1]
    before = heard[match.first - 1] if match.first > 0 else None
    after = heard[match.last] if match.last < len(heard) else None
    regions = _joined(regions, before, after)
    start_region = _region_of(first.start_ms, first.end_ms, regions)
    if start_region and (before is None or before.end_ms <= start_region.start_ms):
        edge = start_region.start_ms + pad_ms
        if start_region.start_ms <= 0:  # padding cut by the recording's start
            edge = min(max(first.start_ms, 0), pad_ms)
        if abs(edge - words[0].start_ms) <= MAX_SNAP_MS and edge < words[0].end_ms:
            words[0] = replace(words[0], start_ms=edge)
    end_region = _region_of(last.start_ms, last.end_ms, regions)
    if end_region and (after is None or after.start_ms >= end_region.end_ms):
        edge = end_region.end_ms - pad_ms
        if duration_ms is not None and end_region.end_ms >= duration_ms:  # padding cut by the recording's end
            edge = max(min(last.end_ms, duration_ms), duration_ms - pad_ms)
        if abs(edge - words[-1].end_ms) <= MAX_SNAP_MS and edge > words[-1].start_ms:
            words[-1] = replace(words[-1], end_ms=edge)
    return replace(match, words=tuple(words))


def _joined(regions: Sequence[SpeechRegion], before: Word | None, after: Word | None) -> list[SpeechRegion]:
    """Regions with gaps under JOIN_GAP_MS between them made one, unless a neighbouring heard word lies in the gap.

    Silero can cut a line in two at a short dip; a piece with no heard word in it is still the line's speech.
    """
    out: list[SpeechRegion] = []
    neighbours = [w for w in (before, after) if w is not None]
    for region in sorted(regions, key=lambda r: r.start_ms):
        if out and region.start_ms - out[-1].end_ms < JOIN_GAP_MS:
            if not any(out[-1].end_ms <= w.start_ms < region.end_ms for w in neighbours):
                out[-1] = SpeechRegion(out[-1].start_ms, max(out[-1].end_ms, region.end_ms))
                continue
        out.append(region)
    return out


def _region_of(start_ms: int, end_ms: int, regions: Sequence[SpeechRegion]) -> SpeechRegion | None:
    """The region that overlaps the word most."""
    best, overlap = None, 0
    for region in regions:
        shared = min(end_ms, region.end_ms) - max(start_ms, region.start_ms)
        if shared > overlap:
            best, overlap = region, shared
    return best


def _time_words(text_words: list[str], heard: list[Word], hkeys: list[str], source: str) -> tuple[Word, ...]:
    """The words of a line, each timed by the heard characters its key aligned to (``source``: what was heard)."""
    from rapidfuzz.distance import Levenshtein

    times: list[tuple[float, float]] = []  # one (start, end) per heard key character
    for word, key in zip(heard, hkeys):
        step = (word.end_ms - word.start_ms) / max(len(key), 1)
        times.extend((word.start_ms + i * step, word.start_ms + (i + 1) * step) for i in range(len(key)))
    keys = [text_key(w) for w in text_words]
    line_key = "".join(keys)
    hjoined = "".join(hkeys)
    to_heard: dict[int, int] = {}
    for op in Levenshtein.opcodes(line_key, hjoined):
        if op.tag in ("equal", "replace"):
            for k in range(op.src_end - op.src_start):
                to_heard[op.src_start + k] = min(op.dest_start + k, op.dest_end - 1)
    spans: list[tuple[float, float] | None] = []
    pos = 0
    for key in keys:
        hit = [to_heard[i] for i in range(pos, pos + len(key)) if i in to_heard]
        spans.append((times[min(hit)][0], times[max(hit)][1]) if hit else None)
        pos += len(key)
    spans = _fill(spans, keys, heard[0].start_ms, heard[-1].end_ms)
    out = []
    for word, (start, end) in zip(text_words, spans):
        script = "latin" if _LATIN.search(word) else "telugu"
        out.append(
            Word(
                int(round(start)),
                int(round(end)),
                word,
                1.0,
                source,
                "en" if script == "latin" else "te",
                script,
            )
        )
    return tuple(_monotonic(out))


def _fill(spans, keys, start: float, end: float) -> list[tuple[float, float]]:
    """Words that aligned to nothing share the time between their timed neighbours, by key length."""
    out = list(spans)
    i = 0
    while i < len(out):
        if out[i] is not None:
            i += 1
            continue
        j = i
        while j < len(out) and out[j] is None:
            j += 1
        left = out[i - 1][1] if i > 0 else start
        right = out[j][0] if j < len(out) else end
        right = max(right, left)
        weights = [max(len(keys[k]), 0) for k in range(i, j)]
        total = sum(weights) or 1
        cursor = left
        for k, weight in zip(range(i, j), weights):
            step = (right - left) * weight / total
            out[k] = (cursor, cursor + step)
            cursor += step
        i = j
    return out


def _monotonic(words: list[Word]) -> list[Word]:
    """Times that never go back: each word starts at or after the previous one ends."""
    out: list[Word] = []
    for word in words:
        start = max(word.start_ms, out[-1].end_ms) if out else word.start_ms
        out.append(replace(word, start_ms=start, end_ms=max(word.end_ms, start)))
    return out
