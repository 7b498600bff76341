"""The cue table as plain data: rows, worst-first order, and table edits turned into edit operations."""

from __future__ import annotations

from dataclasses import replace

from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui import table as tbl
from nishabdham.review_ui.quality import MachineText
from tests.review_support import cues as make_cues
from tests.review_support import transcript

DURATION = transcript().duration_ms


def test_rows_show_times_lines_flags_tags_and_the_machine_text_where_it_differs():
    machine = make_cues()
    cues = ed.set_tags(ed.edit_text(machine, "c0002", "పోతన భాగవతము చదివారు"), "c0002", ["phonetic"])
    report = tbl.report(cues, CueRules())
    rows = tbl.table_rows(cues, tbl.display_order(cues, report, False), report, MachineText(machine))
    assert [r["#"] for r in rows] == [1, 2, 3, 4]
    assert rows[1]["start"] == ed.format_ms(cues[1].start_ms) and rows[1]["line 1"] == "పోతన భాగవతము చదివారు"
    assert rows[1]["tags"] == ["phonetic"] and rows[1]["machine"] == "పోతన భాగవతం చదివారు"
    assert rows[0]["machine"] == ""  # unchanged


def test_worst_flagged_first_puts_the_most_severe_cue_on_top():
    cues = list(make_cues())
    cues[2] = cues[2].with_cue(text="தமிழ் వరి", words=tuple(replace(w, probability=0.1) for w in cues[2].words))
    cues = tuple(cues)
    report = tbl.report(cues, CueRules())
    order = tbl.display_order(cues, report, True)
    assert order[0] == 2 and sorted(order) == [0, 1, 2, 3]
    assert tbl.display_order(cues, report, False) == [0, 1, 2, 3]
    rows = tbl.table_rows(cues, order, report, MachineText(make_cues()))
    assert rows[0]["#"] == 3 and rows[0]["QA"].startswith("script")


def test_table_edits_apply_to_the_right_cue_in_worst_first_order():
    cues = list(make_cues())
    cues[3] = cues[3].with_cue(text="தமிழ்")
    cues = tuple(cues)
    order = tbl.display_order(cues, tbl.report(cues, CueRules()), True)
    assert order[0] == 3
    edits = {0: {"line 1": "శ్రీనాథుడు", "tags": ["script"]}, "1": {"speaker": "Host"}}
    out, errors = tbl.apply_table_edits(cues, order, edits, DURATION)
    assert errors == []
    assert (out[3].text, out[3].tags) == ("శ్రీనాథుడు", ("script",))
    assert out[order[1]].speaker == "Host"


def test_refused_table_edits_are_reported_and_the_rest_applied():
    cues = make_cues()
    order = [0, 1, 2, 3]
    edits = {
        0: {"end": ed.format_ms(cues[1].start_ms + 10)},  # overlaps cue 2
        1: {"start": "soon"},
        2: {"line 2": "this is an english line"},
        3: {"start": ed.format_ms(cues[3].start_ms - 100)},
    }
    out, errors = tbl.apply_table_edits(cues, order, edits, DURATION)
    assert len(errors) == 2 and "overlaps cue 2" in errors[0] and "'soon' is not a time" in errors[1]
    assert out[0] == cues[0] and out[1] == cues[1]
    assert out[2].second == "this is an english line"
    assert out[3].start_ms == cues[3].start_ms - 100


def test_the_report_after_an_edit_is_the_full_report_of_the_edited_cues():
    from nishabdham.review_ui.edits import CueEdit, apply_edit, delete_cue, insert_cue

    rules = CueRules()
    before = make_cues()
    old = tbl.report(before, rules)
    steps = [
        lambda c: apply_edit(c, CueEdit("c0002", end_ms=c[2].start_ms - 10), DURATION),  # a gap problem on cue 2
        lambda c: apply_edit(c, CueEdit("c0003", text="x " * 60), DURATION),  # too long, reading speed
        lambda c: insert_cue(c, c[0].end_ms + 50, DURATION, gap_ms=10)[0],
        lambda c: delete_cue(c, "c0004"),
        lambda c: ed.merge_with_next(c, "c0001"),
    ]
    for step in steps:
        after = step(before)
        assert tbl.updated_report(before, old, after, rules) == tbl.report(after, rules)
        before, old = after, tbl.report(after, rules)


def test_the_table_window_keeps_the_selected_cue_ten_rows_from_the_top_and_stays_inside():
    order = list(range(800))
    assert tbl.window(order, 400, 50) == (390, 440)
    assert tbl.window(order, 3, 50) == (0, 50)  # near the start: from the first row
    assert tbl.window(order, 795, 50) == (750, 800)  # near the end: the last 50 rows
    assert tbl.window(order, 400, 0) == (0, 800)  # 0 rows asked: every row
    assert tbl.window(list(range(30)), 20, 50) == (0, 30)  # fewer cues than rows: every row


def test_the_table_window_follows_the_display_order():
    worst_first = [7, 3, 9, 0, 1, 2, 4, 5, 6, 8]  # cue 9 is third in the table
    first, end = tbl.window(worst_first, 9, 4, above=1)
    assert worst_first[first:end] == [3, 9, 0, 1]
