"""Keyboard shortcuts and what the waveform editor sends back, as plain functions (no Streamlit).

The waveform (a Streamlit component, ``wave_editor/``) makes one event per
action: ``{"seq": n, "action": "times", "cue_id": ..., "start_ms": ..., ...}``,
and sends every event the page has not yet answered (:func:`apply_events`, which
skips those already applied). :func:`apply_event` turns one into the same edits
the form and the table make (:func:`nishabdham.review_ui.edits.apply_edit` and
the operations built on it).
:data:`SHORTCUTS` is the one list of keys: the browser binds them, the help panel shows them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nishabdham.errors import NishabdhamError, ReviewError
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui import edits
from nishabdham.review_ui.session import EditSession

NUDGE_MS = 100
FRAME_MS = 42
"""One frame at 24 fps (the minimum gap, 83 ms, is two)."""
LEAD_MS = 500
"""Played before and after a cue ("play cue")."""


@dataclass(frozen=True, slots=True)
class Shortcut:
    key: str
    """As the browser names it: modifiers (Ctrl, Alt, Shift) then the key, joined by ``+``."""
    action: str
    help: str


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("Space", "play-pause", "Play / pause"),
    Shortcut("p", "play-cue", "Play the cue, with 0.5 s before and after"),
    Shortcut("l", "loop", "Loop the cue on / off"),
    Shortcut("Alt+ArrowUp", "prev-cue", "Previous cue (also while typing)"),
    Shortcut("Alt+ArrowDown", "next-cue", "Next cue (also while typing)"),
    Shortcut("Alt+Enter", "apply-next", "Apply the text you are typing and go to the next cue"),
    Shortcut("[", "start-at-playhead", "Set the cue's start at the playhead"),
    Shortcut("]", "end-at-playhead", "Set the cue's end at the playhead"),
    Shortcut("a", "nudge:start:-100", "Start 100 ms earlier"),
    Shortcut("s", "nudge:start:+100", "Start 100 ms later"),
    Shortcut("Shift+a", "nudge:start:-1f", "Start one frame earlier"),
    Shortcut("Shift+s", "nudge:start:+1f", "Start one frame later"),
    Shortcut("d", "nudge:end:-100", "End 100 ms earlier"),
    Shortcut("f", "nudge:end:+100", "End 100 ms later"),
    Shortcut("Shift+d", "nudge:end:-1f", "End one frame earlier"),
    Shortcut("Shift+f", "nudge:end:+1f", "End one frame later"),
    Shortcut("x", "split-at-playhead", "Split the cue at the playhead (nearest word boundary)"),
    Shortcut("m", "merge-next", "Merge the cue with the next"),
    Shortcut("i", "insert-at-playhead", "Insert an empty cue at the playhead"),
    Shortcut("Delete", "delete", "Delete the cue"),
    Shortcut("Ctrl+z", "undo", "Undo"),
    Shortcut("Ctrl+Shift+z", "redo", "Redo"),
    Shortcut("Ctrl+y", "redo", "Redo"),
    Shortcut("Ctrl+s", "save", "Save a version"),
    Shortcut("=", "zoom-in", "Zoom in"),
    Shortcut("-", "zoom-out", "Zoom out"),
    Shortcut("Shift+/", "help", "Show or hide this list (?)"),
)


def shortcut_map() -> dict[str, str]:
    """Key -> action, as the browser side wants it."""
    return {s.key: s.action for s in SHORTCUTS}


@dataclass(frozen=True, slots=True)
class EventResult:
    """The session after an event, the cue to select (by id; None: keep), and what the page must do."""

    session: EditSession
    selected: str | None = None
    request: str = ""
    """``save`` or ``help`` when the event asks the page for that; empty otherwise."""


@dataclass(frozen=True, slots=True)
class EventsOutcome:
    """Several events applied in order: the last result, the newest event seen, what was refused and asked."""

    result: EventResult
    ack: int
    refused: tuple[str, ...] = ()
    requests: tuple[str, ...] = ()


def apply_events(session: EditSession, events: Sequence[Mapping[str, Any]], ack: int, rules: CueRules) -> EventsOutcome:
    """Apply, in order, the events newer than ``ack`` (the last one applied or refused); each refused event
    changes nothing and is reported, the others still apply. Returns the new ``ack`` with the result."""
    result, refused, requests = EventResult(session), [], []
    for event in sorted(events, key=lambda e: int(e.get("seq", 0))):
        seq = int(event.get("seq", 0))
        if seq <= ack:
            continue
        ack = seq
        try:
            step = apply_event(result.session, event, rules)
        except NishabdhamError as exc:
            refused.append(str(exc))
            continue
        result = EventResult(step.session, step.selected or result.selected)
        if step.request:
            requests.append(step.request)
    return EventsOutcome(result, ack, tuple(refused), tuple(requests))


def apply_event(session: EditSession, event: Mapping[str, Any], rules: CueRules) -> EventResult:
    """Apply one waveform/keyboard event; ReviewError (nothing changed) when it is refused."""
    action = str(event.get("action", ""))
    cue_id = str(event.get("cue_id") or "")
    duration = session.duration_ms
    if action == "select":
        ed.index_of(session.cues, cue_id)
        return EventResult(session, cue_id)
    if action in ("save", "help"):
        return EventResult(session, request=action)
    if action == "undo":
        return EventResult(session.undo())
    if action == "redo":
        return EventResult(session.redo())
    if action == "insert":
        cues, new_id = edits.insert_cue(session.cues, int(event["at_ms"]), duration, gap_ms=rules.min_gap_ms)
        return EventResult(session.apply(lambda _c: cues), new_id)
    if action == "delete":
        i = ed.index_of(session.cues, cue_id)
        after = session.apply(edits.delete_cue, cue_id)
        return EventResult(after, after.cues[min(i, len(after.cues) - 1)].id if after.cues else None)
    return EventResult(_timed_edit(session, action, cue_id, event, rules), cue_id or None)


def fields_edit(cue_id: str, event: Mapping[str, Any]) -> edits.CueEdit:
    """The edit the selected cue's fields ask for: the lines as typed (line 2 follows line 1 where it is its
    transliteration), the times as typed (``H:MM:SS.mmm``; ReviewError when one is not a time)."""

    def time(name: str) -> int | None:
        return None if event.get(name) is None else ed.parse_time(event[name])

    def line(name: str) -> str | None:
        return None if event.get(name) is None else str(event[name])

    return edits.CueEdit(cue_id, text=line("text"), second=line("second"), start_ms=time("start"), end_ms=time("end"))


def _timed_edit(
    session: EditSession, action: str, cue_id: str, event: Mapping[str, Any], rules: CueRules
) -> EditSession:
    duration = session.duration_ms
    if action == "times":
        change = edits.CueEdit(cue_id, start_ms=int(event["start_ms"]), end_ms=int(event["end_ms"]))
        return session.apply(edits.apply_edit, change, duration)
    if action == "fields":
        return session.apply(edits.apply_edit, fields_edit(cue_id, event), duration)
    if action == "edge":
        return session.apply(edits.set_edge_at, cue_id, str(event["edge"]), int(event["at_ms"]), duration)
    if action == "nudge":
        return session.apply(edits.nudge, cue_id, str(event["edge"]), int(event["delta_ms"]), duration)
    if action == "split":
        return session.apply(ed.split_at_time, cue_id, int(event["at_ms"]), rules, duration)
    if action == "merge":
        return session.apply(ed.merge_with_next, cue_id, rules, duration)
    raise ReviewError(f"the waveform sent an action this page does not know ({action!r}); reload the page")
