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
from nishabdham.pipeline.cues.rules import CueRules, cue_problems
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui.editing import ReviewCue
from nishabdham.review_ui.edits import CueEdit, apply_edit
from nishabdham.review_ui.quality import MachineText, cue_warnings, qa_flags, severity

#: Table columns; the editable ones map to an edit operation.
COLUMNS = ("open", "#", "start", "end", "line 1", "line 2", "speaker", "QA", "tags", "machine")
EDITABLE = ("open", "start", "end", "line 1", "line 2", "speaker", "tags")
#: The column whose tick selects a row's cue (a cell edit selects its cue too).
SELECT = "open"


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


def updated_report(
    before: Sequence[ReviewCue], old: CueReport, cues: Sequence[ReviewCue], rules: CueRules, removed=()
) -> CueReport:
    """:func:`report` of ``cues``, recomputing only the cues an edit touched (and the cue before each:
    its gap to the next changed). The same result as a full report, in a few milliseconds for one edit."""
    old_by_id = {c.id: c for c in before}
    old_next = {a.id: b for a, b in zip(before, before[1:])}
    warnings, flags = {}, {}
    for i, cue in enumerate(cues):
        following = cues[i + 1] if i + 1 < len(cues) else None
        if old_by_id.get(cue.id) is cue and old_next.get(cue.id) is following:
            found, marks = old.warnings.get(cue.id), old.flags.get(cue.id)
        else:
            found = None if cue.blank else cue_problems(cue.as_cue(), rules, following.as_cue() if following else None)
            marks = qa_flags(cue, found or (), removed)
        if found:
            warnings[cue.id] = found
        if marks:
            flags[cue.id] = marks
    return CueReport(warnings, flags)


def display_order(cues: Sequence[ReviewCue], cue_report: CueReport, worst_first: bool) -> list[int]:
    """Indices of ``cues`` in table order: time order, or most severe flags first (then time)."""
    order = list(range(len(cues)))
    if worst_first:
        order.sort(key=lambda i: (-cue_report.severity(cues[i].id), i))
    return order


def window(order: Sequence[int], selected: int, rows: int, above: int = 10) -> tuple[int, int]:
    """The stretch of ``order`` the table draws: ``rows`` rows with the selected cue ``above`` rows from the
    top (clamped to the ends), like a subtitle editor's list scrolled to the current line; ``rows`` 0 is all.
    Returns (first, end) positions in ``order``."""
    if rows <= 0 or len(order) <= rows:
        return 0, len(order)
    position = order.index(selected) if selected in order else 0
    first = max(0, min(position - above, len(order) - rows))
    return first, first + rows


def table_rows(
    cues: Sequence[ReviewCue], order: Sequence[int], cue_report: CueReport, machine: MachineText, selected: int = -1
) -> list[dict[str, Any]]:
    rows = []
    for i in order:
        cue = cues[i]
        original = machine.for_cue(cue)
        rows.append(
            {
                SELECT: i == selected,
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


def touched_cue(order: Sequence[int], edited_rows: Mapping[int | str, Mapping[str, Any]]) -> int | None:
    """The cue (index) a table change selects: the row whose "open" box was ticked, else the row edited."""
    rows = sorted(edited_rows.items(), key=lambda kv: int(kv[0]))
    ticked = [int(row) for row, changes in rows if changes.get(SELECT)]
    edited = [int(row) for row, changes in rows if set(changes) - {SELECT}]
    chosen = ticked or edited
    return order[chosen[-1]] if chosen else None


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
    """One table row's changes as one edit (:func:`apply_edit`: line 2 follows line 1 here too)."""

    def given(name: str) -> str | None:
        return None if name not in changes else str(changes[name] or "")

    start, end = changes.get("start"), changes.get("end")
    edit = CueEdit(
        cue_id,
        text=given("line 1"),
        second=given("line 2"),
        speaker=given("speaker"),
        tags=None if "tags" not in changes else tuple(changes["tags"] or ()),
        start_ms=ed.parse_time(start) if start not in (None, "") else None,
        end_ms=ed.parse_time(end) if end not in (None, "") else None,
    )
    return apply_edit(cues, edit, duration_ms)
