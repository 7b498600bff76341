"""Pure edit operations on review cues: text, times, speaker, tags, split, merge, shift (undo: session.py).

Nothing here knows Streamlit or files: every operation takes a tuple of
:class:`ReviewCue` and returns a new one (or raises :class:`ReviewError` with a
message an editor understands), so the page, the version store and the tests
all share exactly the same behaviour. Every cue keeps a stable ``id``: the
version store merges two reviewers' edits cue by cue, by id.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from nishabdham.errors import ReviewError
from nishabdham.evaluation.manifest import ERROR_TAGS
from nishabdham.pipeline.cues import edits as cue_edits
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.types import Cue, Transcript, Word

Cues = tuple["ReviewCue", ...]

#: Fields a reviewer changes (and the three-way merge compares), in display order.
CONTENT_FIELDS = ("times", "text", "second", "speaker", "tags")
#: The fields of a subtitle a reviewer can change (the tags are the reviewer's notes, not the subtitle's).
EDIT_FIELDS = ("times", "text", "second", "speaker")


@dataclass(frozen=True, slots=True)
class ReviewCue:
    """A cue under review: the pipeline's :class:`Cue` plus a stable id and the reviewer's tags."""

    id: str
    start_ms: int
    end_ms: int
    text: str
    second: str = ""
    speaker: str = ""
    words: tuple[Word, ...] = ()
    tags: tuple[str, ...] = ()
    """Error categories from :data:`nishabdham.evaluation.manifest.ERROR_TAGS`."""
    edited_by: str = ""
    """The reviewer who last changed this cue (stamped when a version is saved)."""
    origin: str = ""
    """The machine cue's :attr:`Cue.origin` (``text``: from the given text), kept through every edit."""
    confidence: float | None = None
    """The machine cue's alignment confidence (:attr:`Cue.confidence`), kept through every edit."""

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    @property
    def blank(self) -> bool:
        """A cue whose text was deleted (a hallucination): left out of the subtitles."""
        return not self.text.strip() and not self.second.strip()

    def as_cue(self, edited: tuple[str, ...] = ()) -> Cue:
        """The cue as the subtitles show it (``edited``: what reviewers changed, see :meth:`edits`).

        ``origin`` and ``confidence`` stay the machine's: a cue from the given text that a reviewer
        corrected is still ``text``, and ``edited`` names what was corrected.
        """
        return Cue(
            self.start_ms,
            self.end_ms,
            self.text,
            self.second,
            self.speaker,
            self.words,
            self.origin,
            self.confidence,
            edited,
        )

    def edits(self, original: ReviewCue | None) -> tuple[str, ...]:
        """The subtitle fields (:data:`EDIT_FIELDS`) in which this cue differs from the machine's ``original``.

        A split or merged cue is compared with the machine cue it started as (its id's root); with
        no machine original at all, every field is the reviewers'.
        """
        if original is None:
            return EDIT_FIELDS
        return tuple(name for name in EDIT_FIELDS if self.value(name) != original.value(name))

    def value(self, name: str) -> object:
        """A content field by name; ``times`` is the (start, end) pair."""
        return (self.start_ms, self.end_ms) if name == "times" else getattr(self, name)

    def with_value(self, name: str, value: object) -> ReviewCue:
        if name == "times":
            start, end = value  # type: ignore[misc]
            return replace(self, start_ms=start, end_ms=end)
        return replace(self, **{name: value})


def machine_cues(transcript: Transcript) -> Cues:
    """The machine's cues as review cues with ids ``c0001``, ``c0002``, ... in time order."""
    return tuple(
        ReviewCue(
            f"c{i:04d}",
            c.start_ms,
            c.end_ms,
            c.text,
            c.second,
            c.speaker,
            c.words,
            origin=c.origin,
            confidence=c.confidence,
        )
        for i, c in enumerate(transcript.cues, 1)
    )


def origin_label(cue: ReviewCue) -> str:
    """Where a cue's line came from, in a reviewer's words (with a given text)."""
    confidence = f" (alignment confidence {cue.confidence:.2f})" if cue.confidence is not None else ""
    if cue.origin.startswith("library:"):  # library:<poem>:<line> (issue 22); the cue panel names the poem
        return f"From the poem library{confidence}"
    return {
        "text": f"From the published text{confidence}",
        "heard": "Heard: not in the published text",
        "mixed": f"Merged: part published text, part heard{confidence}",
    }.get(cue.origin, cue.origin)


def new_id(parent: str) -> str:
    """A fresh cue id derived from ``parent`` (unique across reviewers editing at once)."""
    return f"{parent.split('+')[0]}+{uuid.uuid4().hex[:6]}"


# --------------------------------------------------------------------------- lookup


def index_of(cues: Sequence[ReviewCue], cue_id: str) -> int:
    for i, cue in enumerate(cues):
        if cue.id == cue_id:
            return i
    raise ReviewError(f"cue {cue_id} is not in this version (it may have been merged or split); reload the page")


def _replace_at(cues: Sequence[ReviewCue], i: int, *new: ReviewCue) -> Cues:
    return (*cues[:i], *new, *cues[i + 1 :])


# --------------------------------------------------------------------------- single-cue edits


def clean_text(text: str) -> str:
    """NFC, trimmed lines, no empty lines: how an edited line is stored."""
    lines = [" ".join(line.split()) for line in unicodedata.normalize("NFC", text).split("\n")]
    return "\n".join(line for line in lines if line)


def edit_text(cues: Sequence[ReviewCue], cue_id: str, text: str, second: str | None = None) -> Cues:
    """New primary text (and, if given, second line) for one cue; empty text removes the cue from the subtitles."""
    i = index_of(cues, cue_id)
    cue = cues[i]
    changed = replace(cue, text=clean_text(text), second=cue.second if second is None else clean_text(second))
    return _replace_at(cues, i, changed)


def set_speaker(cues: Sequence[ReviewCue], cue_id: str, speaker: str) -> Cues:
    i = index_of(cues, cue_id)
    return _replace_at(cues, i, replace(cues[i], speaker=" ".join(speaker.split())))


def speakers_of(cues: Sequence[ReviewCue]) -> list[str]:
    """The speaker labels (or names) of ``cues``, in order of first appearance."""
    return list(dict.fromkeys(c.speaker for c in cues if c.speaker))


def rename_speaker(cues: Sequence[ReviewCue], old: str, new: str) -> Cues:
    """Name a speaker once for the whole recording: every cue labelled ``old`` becomes ``new``."""
    new = " ".join(new.split())
    if not new:
        raise ReviewError(f"give a name for {old}")
    if old not in speakers_of(cues):
        raise ReviewError(f"no cue has the speaker {old}")
    return tuple(replace(c, speaker=new) if c.speaker == old else c for c in cues)


def set_tags(cues: Sequence[ReviewCue], cue_id: str, tags: Sequence[str]) -> Cues:
    """The error categories of one cue (order of ERROR_TAGS, no duplicates)."""
    unknown = sorted(set(tags) - set(ERROR_TAGS))
    if unknown:
        raise ReviewError(f"unknown error tag(s) {', '.join(unknown)}; choose from {', '.join(ERROR_TAGS)}")
    i = index_of(cues, cue_id)
    ordered = tuple(t for t in ERROR_TAGS if t in set(tags))
    return _replace_at(cues, i, replace(cues[i], tags=ordered))


def set_times(cues: Sequence[ReviewCue], cue_id: str, start_ms: int, end_ms: int, duration_ms: int) -> Cues:
    """New start and end of one cue; it must stay inside the recording and between its neighbours."""
    i = index_of(cues, cue_id)
    number = i + 1
    if start_ms < 0 or end_ms <= start_ms:
        raise ReviewError(
            f"cue {number}: the end ({format_ms(end_ms)}) must come after the start ({format_ms(start_ms)})"
        )
    if end_ms > duration_ms:
        raise ReviewError(
            f"cue {number}: the end {format_ms(end_ms)} is after the recording ends ({format_ms(duration_ms)})"
        )
    if i > 0 and start_ms < cues[i - 1].end_ms:
        raise ReviewError(
            f"cue {number}: the start {format_ms(start_ms)} overlaps cue {number - 1}, "
            f"which ends at {format_ms(cues[i - 1].end_ms)}; shorten that cue first"
        )
    if i + 1 < len(cues) and end_ms > cues[i + 1].start_ms:
        raise ReviewError(
            f"cue {number}: the end {format_ms(end_ms)} overlaps cue {number + 1}, "
            f"which starts at {format_ms(cues[i + 1].start_ms)}; move that cue first"
        )
    return _replace_at(cues, i, replace(cues[i], start_ms=start_ms, end_ms=end_ms))


def update_cue(
    cues: Sequence[ReviewCue],
    cue_id: str,
    *,
    duration_ms: int,
    text: str | None = None,
    second: str | None = None,
    speaker: str | None = None,
    tags: Sequence[str] | None = None,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> Cues:
    """Several changes to one cue as one edit (one undo step); nothing changes if any part is refused."""
    out = tuple(cues)
    cue = out[index_of(out, cue_id)]
    if text is not None or second is not None:
        out = edit_text(out, cue_id, cue.text if text is None else text, second)
    if speaker is not None:
        out = set_speaker(out, cue_id, speaker)
    if tags is not None:
        out = set_tags(out, cue_id, tags)
    if start_ms is not None or end_ms is not None:
        start = cue.start_ms if start_ms is None else start_ms
        end = cue.end_ms if end_ms is None else end_ms
        if (start, end) != (cue.start_ms, cue.end_ms):
            out = set_times(out, cue_id, start, end, duration_ms)
    return out


# --------------------------------------------------------------------------- split, merge, shift


def split_cue(
    cues: Sequence[ReviewCue],
    cue_id: str,
    at_word: int,
    rules: CueRules = CueRules(),
    duration_ms: int | None = None,
) -> Cues:
    """Split a cue before its word number ``at_word`` (0-based, 1..n-1), retimed to ``rules``.

    The pipeline's split (:func:`nishabdham.pipeline.cues.edits.split_cue`): the boundary comes
    from the word timestamps when the cue still has one timed word per written word, otherwise
    from the share of aksharas on each side; then both pieces are fitted to the rules inside the
    room their neighbours leave (minimum duration and gap, reading time). The second line is split
    at the same word when it has as many words, else proportionally. The second piece gets a new id.
    """
    i = index_of(cues, cue_id)
    words = cues[i].text.split()
    if not 0 < at_word < len(words):
        raise ReviewError(f"cue {i + 1}: choose a word inside the cue to split at (2 to {len(words)})")
    return _with_new_tail_id(
        cue_edits.split_cue(list(cues), i, at_word=at_word, rules=rules, duration_ms=duration_ms), i
    )


def split_at_time(
    cues: Sequence[ReviewCue],
    cue_id: str,
    at_ms: int,
    rules: CueRules = CueRules(),
    duration_ms: int | None = None,
) -> Cues:
    """Split a cue at the time ``at_ms`` (the playhead): the text is cut at the word boundary nearest
    it, the time at ``at_ms``; both pieces fitted to ``rules`` as in :func:`split_cue`."""
    i = index_of(cues, cue_id)
    cue = cues[i]
    if len(cue.text.split()) < 2:
        raise ReviewError(f"cue {i + 1} has one word; there is nothing to split")
    if not cue.start_ms < at_ms < cue.end_ms:
        raise ReviewError(f"the playhead ({format_ms(at_ms)}) is not inside cue {i + 1}; move it into the cue")
    return _with_new_tail_id(cue_edits.split_cue(list(cues), i, at_ms=at_ms, rules=rules, duration_ms=duration_ms), i)


def _with_new_tail_id(out: list[ReviewCue], i: int) -> Cues:
    tail = out[i + 1]
    return (*out[: i + 1], replace(tail, id=new_id(out[i].id)), *out[i + 2 :])


def merge_with_next(
    cues: Sequence[ReviewCue], cue_id: str, rules: CueRules = CueRules(), duration_ms: int | None = None
) -> Cues:
    """Merge a cue with the one after it, retimed to ``rules`` (the pipeline's
    :func:`~nishabdham.pipeline.cues.edits.merge_cues`); it keeps the first id and both sets of tags.

    Its origin is the two cues' when they agree, else ``mixed`` (part of it is the given text, part
    heard: neither ``text`` nor ``heard`` would be true); its confidence is the lower of the two
    (a ``heard`` cue has none, so a ``mixed`` one keeps its text part's).
    """
    i = index_of(cues, cue_id)
    if i + 1 >= len(cues):
        raise ReviewError(f"cue {i + 1} is the last cue; there is nothing after it to merge with")
    tags = tuple(t for t in ERROR_TAGS if t in set(cues[i].tags) | set(cues[i + 1].tags))
    out = cue_edits.merge_cues(list(cues), i, rules, duration_ms)
    return (*out[:i], replace(out[i], tags=tags), *out[i + 1 :])


def shift_all(cues: Sequence[ReviewCue], delta_ms: int, duration_ms: int) -> Cues:
    """Move every cue (and its words) by ``delta_ms``; refused if a cue would leave the recording."""
    if not cues or delta_ms == 0:
        return tuple(cues)
    if cues[0].start_ms + delta_ms < 0:
        raise ReviewError(f"shifting by {delta_ms} ms would start the first cue before the recording begins")
    if cues[-1].end_ms + delta_ms > duration_ms:
        raise ReviewError(
            f"shifting by {delta_ms} ms would end the last cue after the recording ends ({format_ms(duration_ms)})"
        )
    return tuple(
        replace(
            c,
            start_ms=c.start_ms + delta_ms,
            end_ms=c.end_ms + delta_ms,
            words=tuple(replace(w, start_ms=w.start_ms + delta_ms, end_ms=w.end_ms + delta_ms) for w in c.words),
        )
        for c in cues
    )


# --------------------------------------------------------------------------- times


def format_ms(ms: int) -> str:
    """``H:MM:SS.mmm`` as shown in the cue table."""
    sign, ms = ("-", -ms) if ms < 0 else ("", ms)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{sign}{hours}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def parse_time(value: str | int | float) -> int:
    """Milliseconds from ``H:MM:SS.mmm``, ``MM:SS.mmm``, ``SS.mmm`` (seconds) or an integer of ms."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    text = str(value).strip().replace(",", ".")
    try:
        parts = [float(p) for p in text.split(":")]
    except ValueError:
        raise ReviewError(f"'{value}' is not a time; write it as H:MM:SS.mmm, MM:SS.mmm or seconds") from None
    if not 1 <= len(parts) <= 3 or any(p < 0 for p in parts) or any(p >= 60 for p in parts[1:]):
        raise ReviewError(f"'{value}' is not a time; write it as H:MM:SS.mmm, MM:SS.mmm or seconds")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return int(round(seconds * 1000))
