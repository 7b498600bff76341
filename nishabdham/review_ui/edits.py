"""The one way an edit is applied: table, form, waveform and shortcuts all call :func:`apply_edit`.

An edit names one cue and the fields it changes (:class:`CueEdit`). Applying it
keeps the second line in step with the first wherever the first is edited: when
line 2 was the transliteration of line 1 (ISO 15919, :func:`line_two_follows`),
a new line 1 gets a new line 2, unless the same edit gives line 2 itself.
Insert, delete, nudge and find/replace are built on the same function, so every
path checks times, tags and neighbours the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nishabdham.errors import ReviewError
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui.editing import Cues, ReviewCue
from nishabdham.types import Cue

Transliterate = Callable[[str], str]


def transliteration(text: str) -> str:
    """The second line the pipeline writes for ``text`` (ISO 15919 for Telugu words)."""
    from nishabdham.pipeline.codeswitch import second_line

    return second_line(text)


def line_two_follows(cue: ReviewCue, transliterate: Transliterate = transliteration) -> bool:
    """True when line 2 is what the pipeline derives from line 1 (so it should follow its edits)."""
    return bool(cue.second) and cue.second == transliterate(cue.text)


@dataclass(frozen=True, slots=True)
class CueEdit:
    """Changes to one cue; ``None`` leaves a field as it is."""

    cue_id: str
    text: str | None = None
    second: str | None = None
    speaker: str | None = None
    tags: tuple[str, ...] | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    follow: bool | None = None
    """True: derive line 2 from line 1 now. None: line 2 follows a new line 1 when it followed the old one."""


def apply_edit(
    cues: Sequence[ReviewCue], edit: CueEdit, duration_ms: int, transliterate: Transliterate = transliteration
) -> Cues:
    """``cues`` with ``edit`` applied (one undo step); ReviewError, and nothing changed, when it is refused."""
    cue = cues[ed.index_of(cues, edit.cue_id)]
    text = cue.text if edit.text is None else ed.clean_text(edit.text)
    second = edit.second
    if second is None and (
        edit.follow or (edit.follow is None and text != cue.text and _follows(cues, cue, transliterate))
    ):
        second = transliterate(text)
    return ed.update_cue(
        cues,
        edit.cue_id,
        duration_ms=duration_ms,
        text=None if edit.text is None else text,
        second=second,
        speaker=edit.speaker,
        tags=edit.tags,
        start_ms=edit.start_ms,
        end_ms=edit.end_ms,
    )


def _follows(cues: Sequence[ReviewCue], cue: ReviewCue, transliterate: Transliterate) -> bool:
    """Whether line 2 follows line 1 in ``cue``; an empty cue (inserted) does as the recording's other cues do."""
    if cue.text or cue.second:
        return line_two_follows(cue, transliterate)
    return any(line_two_follows(c, transliterate) for c in cues if c.text)


# --------------------------------------------------------------------------- timing by keystroke


def nudge(cues: Sequence[ReviewCue], cue_id: str, edge: str, delta_ms: int, duration_ms: int) -> Cues:
    """Move a cue's ``start`` or ``end`` (or ``both``: the whole cue) by ``delta_ms``."""
    cue = cues[ed.index_of(cues, cue_id)]
    start = cue.start_ms + (delta_ms if edge in ("start", "both") else 0)
    end = cue.end_ms + (delta_ms if edge in ("end", "both") else 0)
    return apply_edit(cues, CueEdit(cue_id, start_ms=start, end_ms=end), duration_ms)


def set_edge_at(cues: Sequence[ReviewCue], cue_id: str, edge: str, at_ms: int, duration_ms: int) -> Cues:
    """Set a cue's start or end to ``at_ms`` (the playhead)."""
    field = "start_ms" if edge == "start" else "end_ms"
    return apply_edit(cues, CueEdit(cue_id, **{field: int(at_ms)}), duration_ms)


# --------------------------------------------------------------------------- insert and delete


def insert_cue(
    cues: Sequence[ReviewCue], at_ms: int, duration_ms: int, *, gap_ms: int = 83, length_ms: int = 2000
) -> tuple[Cues, str]:
    """A new empty cue starting at ``at_ms`` (the playhead), as long as the gap allows; returns (cues, its id).

    It ends ``length_ms`` later or ``gap_ms`` before the next cue, whichever is first. A playhead
    inside a cue is refused (split that cue instead).
    """
    at_ms = int(at_ms)
    if not 0 <= at_ms < duration_ms:
        raise ReviewError(f"{ed.format_ms(at_ms)} is outside the recording (0 to {ed.format_ms(duration_ms)})")
    after = sum(1 for c in cues if c.start_ms <= at_ms)
    if after and cues[after - 1].end_ms > at_ms:
        raise ReviewError(
            f"{ed.format_ms(at_ms)} is inside cue {after}; move the playhead to a gap, or split cue {after}"
        )
    start = max(at_ms, cues[after - 1].end_ms + gap_ms) if after else at_ms
    limit = cues[after].start_ms - gap_ms if after < len(cues) else duration_ms
    end = min(start + length_ms, limit)
    if end - start < 100:
        raise ReviewError(f"there is no room for a cue at {ed.format_ms(at_ms)}: the next cue starts right after it")
    parent = cues[after - 1].id if after else "c0000"
    new = ReviewCue.of(ed.new_id(parent), Cue(start, end, "", speaker=cues[after - 1].speaker if after else ""))
    return (*cues[:after], new, *cues[after:]), new.id


def delete_cue(cues: Sequence[ReviewCue], cue_id: str) -> Cues:
    """Remove a cue altogether (to keep a hallucination in the evaluation set, empty its text instead)."""
    i = ed.index_of(cues, cue_id)
    return (*cues[:i], *cues[i + 1 :])


# --------------------------------------------------------------------------- find and replace


@dataclass(frozen=True, slots=True)
class Match:
    """One cue that find/replace would change: its number, id, and line 1 / line 2 before and after."""

    number: int
    cue_id: str
    before: str
    after: str
    second_before: str
    second_after: str


def _pattern(find: str, regex: bool, case: bool) -> re.Pattern[str]:
    if not find:
        raise ReviewError("type what to find")
    try:
        return re.compile(find if regex else re.escape(find), 0 if case else re.IGNORECASE)
    except re.error as exc:
        raise ReviewError(f"'{find}' is not a valid regular expression ({exc})") from None


def find_replace_preview(
    cues: Sequence[ReviewCue],
    find: str,
    replacement: str,
    *,
    regex: bool = False,
    case: bool = True,
    transliterate: Transliterate = transliteration,
) -> list[Match]:
    """What replacing ``find`` with ``replacement`` in line 1 of every cue would do (line 2 following)."""
    pattern = _pattern(find, regex, case)
    out = []
    for number, cue in enumerate(cues, 1):
        if not pattern.search(cue.text):
            continue
        try:
            text = ed.clean_text(pattern.sub(replacement, cue.text))
        except (re.error, IndexError) as exc:
            raise ReviewError(f"the replacement '{replacement}' is not valid ({exc})") from None
        second = transliterate(text) if line_two_follows(cue, transliterate) else cue.second
        if (text, second) != (cue.text, cue.second):
            out.append(Match(number, cue.id, cue.text, text, cue.second, second))
    return out


def find_replace(
    cues: Sequence[ReviewCue],
    find: str,
    replacement: str,
    duration_ms: int,
    *,
    regex: bool = False,
    case: bool = True,
    transliterate: Transliterate = transliteration,
) -> Cues:
    """Replace ``find`` in line 1 of every cue across the recording, each through :func:`apply_edit`."""
    out = tuple(cues)
    for match in find_replace_preview(cues, find, replacement, regex=regex, case=case, transliterate=transliterate):
        out = apply_edit(out, CueEdit(match.cue_id, text=match.after), duration_ms, transliterate)
    return out
