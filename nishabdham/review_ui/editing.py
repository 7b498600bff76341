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
from typing import Any

from nishabdham.errors import ReviewError
from nishabdham.evaluation.manifest import ERROR_TAGS
from nishabdham.pipeline.cues import edits as cue_edits
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.types import Cue, Transcript, Word, to_jsonable

Cues = tuple["ReviewCue", ...]

#: Fields a reviewer changes (and the three-way merge compares), in display order.
CONTENT_FIELDS = ("times", "text", "second", "speaker", "tags")
#: The fields of a subtitle a reviewer can change (the tags are the reviewer's notes, not the subtitle's).
EDIT_FIELDS = ("times", "text", "second", "speaker")


#: The pipeline cue's fields a saved version or draft keeps, flat beside the review's own (its ``edited`` is
#: made at approval, never stored): the on-disk layout of a review cue (:meth:`ReviewCue.jsonable`).
STORED_CUE_FIELDS = ("start_ms", "end_ms", "text", "second", "speaker", "words", "origin", "confidence")


@dataclass(frozen=True, slots=True)
class ReviewCue:
    """A cue under review: the pipeline's :class:`Cue` with a stable id and the reviewer's notes.

    The cue's fields read through (``rc.text``, ``rc.start_ms``, ...); an edit makes a new review cue
    with :meth:`with_cue`. ``origin`` and ``confidence`` are the machine cue's and stay through every
    edit. On disk a review cue is one flat object (:meth:`jsonable`), read back by pydantic as before.
    """

    id: str
    cue: Cue
    """The cue as it stands now (its ``edited`` is empty: :meth:`as_cue` fills it in at approval)."""
    tags: tuple[str, ...] = ()
    """Error categories from :data:`nishabdham.evaluation.manifest.ERROR_TAGS`."""
    edited_by: str = ""
    """The reviewer who last changed this cue (stamped when a version is saved)."""

    @classmethod
    def of(cls, id: str, cue: Cue, *, tags: tuple[str, ...] = (), edited_by: str = "") -> ReviewCue:
        """The one way to make a review cue (from a machine cue, or a new :class:`Cue` for an inserted one)."""
        return cls(id, replace(cue, edited=()) if cue.edited else cue, tags, edited_by)

    def with_cue(self, **changes: Any) -> ReviewCue:
        """This review cue with some of its :class:`Cue` fields changed (``rc.with_cue(text=..., end_ms=...)``)."""
        return replace(self, cue=replace(self.cue, **changes))

    @property
    def start_ms(self) -> int:
        return self.cue.start_ms

    @property
    def end_ms(self) -> int:
        return self.cue.end_ms

    @property
    def text(self) -> str:
        return self.cue.text

    @property
    def second(self) -> str:
        return self.cue.second

    @property
    def speaker(self) -> str:
        return self.cue.speaker

    @property
    def words(self) -> tuple[Word, ...]:
        return self.cue.words

    @property
    def origin(self) -> str:
        return self.cue.origin

    @property
    def confidence(self) -> float | None:
        return self.cue.confidence

    @property
    def duration_ms(self) -> int:
        return self.cue.duration_ms

    @property
    def blank(self) -> bool:
        """A cue whose text was deleted (a hallucination): left out of the subtitles."""
        return not self.text.strip() and not self.second.strip()

    def as_cue(self, edited: tuple[str, ...] = ()) -> Cue:
        """The cue as the subtitles show it (``edited``: what reviewers changed, see :meth:`edits`).

        ``origin`` and ``confidence`` stay the machine's: a cue from the given text that a reviewer
        corrected is still ``text``, and ``edited`` names what was corrected.
        """
        return self.cue if edited == self.cue.edited else replace(self.cue, edited=edited)

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
            return self.with_cue(start_ms=start, end_ms=end)
        if name == "tags":
            return replace(self, tags=value)
        return self.with_cue(**{name: value})

    # ----------------------------------------------------------------- the flat JSON of versions and drafts

    def jsonable(self) -> dict[str, Any]:
        """The flat object saved versions and drafts hold: ``id``, the cue's :data:`STORED_CUE_FIELDS`,
        ``tags``, ``edited_by`` (in the order the files have always had)."""
        cue = self.cue
        return {
            "id": self.id,
            "start_ms": cue.start_ms,
            "end_ms": cue.end_ms,
            "text": cue.text,
            "second": cue.second,
            "speaker": cue.speaker,
            "words": to_jsonable(cue.words),
            "tags": list(self.tags),
            "edited_by": self.edited_by,
            "origin": cue.origin,
            "confidence": cue.confidence,
        }

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """Validated from the flat object (:meth:`jsonable`), as :func:`~nishabdham.types.from_jsonable` reads it."""
        from pydantic_core import core_schema

        return core_schema.no_info_before_validator_function(_nested, handler(source))


def _nested(data: Any) -> Any:
    """A flat review cue object as the dataclass's fields (the cue's fields under ``cue``); others as they are."""
    if not isinstance(data, dict) or "cue" in data:
        return data
    out = {k: v for k, v in data.items() if k not in STORED_CUE_FIELDS}
    out["cue"] = {k: data[k] for k in STORED_CUE_FIELDS if k in data}
    return out


def machine_cues(transcript: Transcript) -> Cues:
    """The machine's cues as review cues with ids ``c0001``, ``c0002``, ... in time order."""
    return tuple(ReviewCue.of(f"c{i:04d}", c) for i, c in enumerate(transcript.cues, 1))


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
    changed = cue.with_cue(text=clean_text(text), second=cue.second if second is None else clean_text(second))
    return _replace_at(cues, i, changed)


def set_speaker(cues: Sequence[ReviewCue], cue_id: str, speaker: str) -> Cues:
    i = index_of(cues, cue_id)
    return _replace_at(cues, i, cues[i].with_cue(speaker=" ".join(speaker.split())))


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
    return tuple(c.with_cue(speaker=new) if c.speaker == old else c for c in cues)


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
    return _replace_at(cues, i, cues[i].with_cue(start_ms=start_ms, end_ms=end_ms))


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
    return _split(cues, i, cue_edits.split_cue(_shown(cues), i, at_word=at_word, rules=rules, duration_ms=duration_ms))


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
    return _split(cues, i, cue_edits.split_cue(_shown(cues), i, at_ms=at_ms, rules=rules, duration_ms=duration_ms))


def _shown(cues: Sequence[ReviewCue]) -> list[Cue]:
    """The pipeline's cues of ``cues`` (what the pipeline's split and merge work on)."""
    return [c.cue for c in cues]


def _rewrapped(owners: Sequence[ReviewCue], shown: Sequence[Cue]) -> Cues:
    """Each pipeline cue in ``shown`` under the id and notes of its review cue in ``owners`` (same one if unchanged)."""
    return tuple(o if o.cue is c else replace(o, cue=c) for o, c in zip(owners, shown, strict=True))


def _split(cues: Sequence[ReviewCue], i: int, shown: Sequence[Cue]) -> Cues:
    """The pipeline's split of cue ``i`` as review cues: the second piece is a copy of the first with a new id."""
    tail = replace(cues[i], id=new_id(cues[i].id))
    return _rewrapped((*cues[: i + 1], tail, *cues[i + 1 :]), shown)


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
    shown = cue_edits.merge_cues(_shown(cues), i, rules, duration_ms)
    return _rewrapped((*cues[:i], replace(cues[i], tags=tags), *cues[i + 2 :]), shown)


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
        c.with_cue(
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
