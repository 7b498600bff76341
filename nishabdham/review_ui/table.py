"""The cue table as plain data: rows to show, and table edits turned into edit operations.

The page hands :func:`table_rows` to ``st.data_editor`` and gives the editor's
``edited_rows`` back to :func:`apply_table_edits`; both are plain functions,
tested without Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nishabdham.errors import ReviewError
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui.editing import ReviewCue
from nishabdham.review_ui.quality import MachineText, cue_warnings, qa_flags, severity

#: Table columns; the editable ones map to an edit operation.
COLUMNS = ("#", "start", "end", "line 1", "line 2", "speaker", "QA", "tags", "machine")
EDITABLE = ("start", "end", "line 1", "line 2", "speaker", "tags")


@dataclass(frozen=True, slots=True)
class CueReport:
    """What the page shows about every cue: rule warnings, QA flags, severity."""

    warnings: dict[str, list[str]]
    flags: dict[str, tuple[str, ...]]

    def severity(self, cue_id: str) -> int:
        return severity(self.flags.get(cue_id, ()))


def report(cues: Sequence[ReviewCue], rules: CueRules, removed=()) -> CueReport:
    warnings = cue_warnings(cues, rules)
    flags = {c.id: qa_flags(c, warnings.get(c.id, ()), removed) for c in cues}
    return CueReport(warnings, {k: v for k, v in flags.items() if v})


def display_order(cues: Sequence[ReviewCue], cue_report: CueReport, worst_first: bool) -> list[int]:
    """Indices of ``cues`` in table order: time order, or most severe flags first (then time)."""
    order = list(range(len(cues)))
    if worst_first:
        order.sort(key=lambda i: (-cue_report.severity(cues[i].id), i))
    return order


def table_rows(
    cues: Sequence[ReviewCue], order: Sequence[int], cue_report: CueReport, machine: MachineText
) -> list[dict[str, Any]]:
    rows = []
    for i in order:
        cue = cues[i]
        original = machine.for_cue(cue)
        rows.append(
            {
                "#": i + 1,
                "start": ed.format_ms(cue.start_ms),
                "end": ed.format_ms(cue.end_ms),
                "line 1": cue.text,
                "line 2": cue.second,
                "speaker": cue.speaker,
                "QA": ", ".join(cue_report.flags.get(cue.id, ())),
                "tags": list(cue.tags),
                "machine": "" if original == cue.text else original or "(nothing)",
            }
        )
    return rows


def apply_table_edits(
    cues: Sequence[ReviewCue],
    order: Sequence[int],
    edited_rows: Mapping[int | str, Mapping[str, Any]],
    duration_ms: int,
) -> tuple[tuple[ReviewCue, ...], list[str]]:
    """Apply ``st.data_editor`` edits (by table row) to the cues; returns the cues and the refusals."""
    ids = [cues[i].id for i in order]
    out, errors = tuple(cues), []
    for row, changes in sorted(edited_rows.items(), key=lambda kv: int(kv[0])):
        cue_id = ids[int(row)]
        try:
            out = _apply_row(out, cue_id, changes, duration_ms)
        except ReviewError as exc:
            errors.append(str(exc))
    return out, errors


def _apply_row(
    cues: tuple[ReviewCue, ...], cue_id: str, changes: Mapping[str, Any], duration_ms: int
) -> tuple[ReviewCue, ...]:
    cue = cues[ed.index_of(cues, cue_id)]
    if "line 1" in changes or "line 2" in changes:
        cues = ed.edit_text(
            cues, cue_id, changes.get("line 1", cue.text) or "", changes.get("line 2", cue.second) or ""
        )
    if "speaker" in changes:
        cues = ed.set_speaker(cues, cue_id, changes["speaker"] or "")
    if "tags" in changes:
        cues = ed.set_tags(cues, cue_id, list(changes["tags"] or []))
    if "start" in changes or "end" in changes:
        start = ed.parse_time(changes["start"]) if changes.get("start") not in (None, "") else cue.start_ms
        end = ed.parse_time(changes["end"]) if changes.get("end") not in (None, "") else cue.end_ms
        cues = ed.set_times(cues, cue_id, start, end, duration_ms)
    return cues
