"""The one edit function and what is built on it: line 2 follows line 1, insert, delete, nudge, find/replace,
drafts, redo, the table's row selection, and what the machine heard after a split (issue 23)."""

from __future__ import annotations

import pytest

from nishabdham.errors import ReviewError
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui import table as tbl
from nishabdham.review_ui.drafts import discard_draft, draft_path, read_draft, write_draft
from nishabdham.review_ui.edits import (
    CueEdit,
    apply_edit,
    delete_cue,
    find_replace,
    find_replace_preview,
    insert_cue,
    line_two_follows,
    nudge,
    set_edge_at,
    transliteration,
)
from nishabdham.review_ui.quality import MachineText
from nishabdham.review_ui.session import EditSession
from nishabdham.review_ui.views.cue_panel import field_edit
from tests.review_support import cues as make_cues
from tests.review_support import transcript

DURATION = transcript().duration_ms


def transliterated():
    """Machine cues whose line 2 is the pipeline's transliteration of line 1 (as the pipeline writes them)."""
    return tuple(ed.edit_text((c,), c.id, c.text, transliteration(c.text))[0] for c in make_cues())


def test_line_two_follows_an_edit_of_line_one_in_the_table():
    cues = transliterated()
    assert line_two_follows(cues[0])
    out, errors = tbl.apply_table_edits(cues, [0, 1, 2, 3], {0: {"line 1": "కలసపాడు వంతెనపై"}}, DURATION)
    assert errors == []
    assert (out[0].text, out[0].second) == ("కలసపాడు వంతెనపై", "kalasapāḍu vaṁtenapai")
    assert line_two_follows(out[0])  # the form's "follows" box stays ticked


def test_the_form_and_the_table_make_the_same_edit():
    cues = transliterated()
    by_form = apply_edit(cues, field_edit("c0002", "text", "పోతన భాగవతము చదివారు"), DURATION)
    by_table, _ = tbl.apply_table_edits(cues, [0, 1, 2, 3], {1: {"line 1": "పోతన భాగవతము చదివారు"}}, DURATION)
    assert by_form == by_table and by_form[1].second == transliteration("పోతన భాగవతము చదివారు")


def test_line_two_written_by_hand_is_kept_and_stops_following():
    cues = transliterated()
    both = apply_edit(cues, CueEdit("c0002", text="పోతన భాగవతము", second="Potana's Bhagavatam"), DURATION)
    assert both[1].second == "Potana's Bhagavatam" and not line_two_follows(both[1])
    again = apply_edit(both, CueEdit("c0002", text="పోతన భాగవతం"), DURATION)
    assert again[1].second == "Potana's Bhagavatam"  # a hand-written line 2 is not overwritten
    derived = apply_edit(again, CueEdit("c0002", follow=True), DURATION)
    assert derived[1].second == transliteration("పోతన భాగవతం")


def test_a_refused_edit_changes_nothing():
    cues = transliterated()
    with pytest.raises(ReviewError, match="overlaps cue 2"):
        apply_edit(cues, CueEdit("c0001", text="కొత్త", end_ms=cues[1].start_ms + 5), DURATION)
    with pytest.raises(ReviewError, match="not a time"):
        field_edit("c0001", "start", "soon")


def test_nudge_and_set_at_the_playhead_check_the_neighbours():
    cues = make_cues()
    out = nudge(cues, "c0002", "start", -100, DURATION)
    assert out[1].start_ms == cues[1].start_ms - 100 and out[1].end_ms == cues[1].end_ms
    moved = nudge(cues, "c0002", "both", 40, DURATION)
    assert (moved[1].start_ms, moved[1].end_ms) == (cues[1].start_ms + 40, cues[1].end_ms + 40)
    assert set_edge_at(cues, "c0002", "end", cues[1].end_ms + 300, DURATION)[1].end_ms == cues[1].end_ms + 300
    with pytest.raises(ReviewError, match="overlaps cue 1"):
        nudge(cues, "c0002", "start", -(cues[1].start_ms - cues[0].end_ms) - 1, DURATION)


def test_insert_a_cue_in_uncovered_speech_and_delete_it():
    cues = transliterated()
    gap_start = cues[1].end_ms  # 1 s to the next cue
    out, new_id = insert_cue(cues, gap_start + 100, DURATION, gap_ms=83)
    assert len(out) == 5 and out[2].id == new_id and out[2].text == ""
    assert out[2].start_ms == gap_start + 100 and out[2].end_ms == cues[2].start_ms - 83
    filled = apply_edit(out, CueEdit(new_id, text="వినిపించిన మాట"), DURATION)
    assert filled[2].text == "వినిపించిన మాట" and filled[2].second == transliteration("వినిపించిన మాట")
    assert delete_cue(filled, new_id) == cues
    bare, bare_id = insert_cue(make_cues(), gap_start + 100, DURATION)  # a recording without second lines
    assert apply_edit(bare, CueEdit(bare_id, text="మాట"), DURATION)[2].second == ""
    with pytest.raises(ReviewError, match="inside cue 1"):
        insert_cue(cues, cues[0].start_ms + 10, DURATION)
    with pytest.raises(ReviewError, match="outside the recording"):
        insert_cue(cues, DURATION + 5, DURATION)


def test_find_replace_previews_then_replaces_across_the_recording_with_line_two_following():
    cues = transliterated()
    cues = ed.edit_text(cues, "c0004", "శ్రీనాథుడు పోతన కవిసార్వభౌముడు", transliteration("శ్రీనాథుడు పోతన కవిసార్వభౌముడు"))
    preview = find_replace_preview(cues, "పోతన", "బమ్మెర పోతన")
    assert [m.number for m in preview] == [2, 4]
    assert preview[0].after == "బమ్మెర పోతన భాగవతం చదివారు"
    assert preview[0].second_after == transliteration("బమ్మెర పోతన భాగవతం చదివారు")
    out = find_replace(cues, "పోతన", "బమ్మెర పోతన", DURATION)
    assert [c.text for c in out][1::2] == [m.after for m in preview]
    assert out[1].second == preview[0].second_after and out[0] is cues[0]
    assert [m.number for m in find_replace_preview(cues, "ENGLISH", "English", case=False)] == [3]
    with pytest.raises(ReviewError, match="not a valid regular expression"):
        find_replace_preview(cues, "(", "", regex=True)


def test_redo_brings_back_what_undo_took():
    session = EditSession.start("job1", 0, make_cues(), DURATION)
    edited = session.apply(apply_edit, CueEdit("c0001", text="ఒకటి"), DURATION)
    undone = edited.undo()
    assert undone.cues == session.cues and undone.can_redo
    assert undone.redo().cues == edited.cues
    assert not undone.apply(delete_cue, "c0002").can_redo  # a new edit ends the redo history
    with pytest.raises(ReviewError, match="nothing to redo"):
        edited.redo()


def test_a_draft_is_kept_and_read_back(tmp_path):
    cues = apply_edit(make_cues(), CueEdit("c0001", text="ఒకటి", tags=("phonetic",)), DURATION)
    path = draft_path(tmp_path / "job1", "Anu Rao")
    assert draft_path(tmp_path / "job1", "Anu Rao") == path != draft_path(tmp_path / "job1", "Anu.Rao")
    write_draft(path, "job1", "Anu Rao", 3, cues)
    draft = read_draft(path)
    assert (draft.base_version, draft.reviewer, draft.cues) == (3, "Anu Rao", cues)
    session = EditSession.start("job1", 3, make_cues(), DURATION, draft=draft.cues)
    assert session.dirty and session.cues == cues and session.saved == make_cues()
    path.write_text("{not json", encoding="utf-8")
    assert read_draft(path) is None
    discard_draft(path)
    assert read_draft(path) is None


def test_clicking_a_table_row_selects_its_cue():
    order = [2, 0, 3, 1]  # worst first
    assert tbl.touched_cue(order, {"1": {"open": True}}) == 0
    assert tbl.touched_cue(order, {3: {"line 1": "x"}}) == 1
    assert tbl.touched_cue(order, {}) is None
    cues = make_cues()
    report = tbl.report(cues, CueRules())
    rows = tbl.table_rows(cues, order, report, MachineText(cues), selected=3)
    assert [r["open"] for r in rows] == [False, False, True, False]
    out, errors = tbl.apply_table_edits(cues, order, {"1": {"open": True}}, DURATION)
    assert out == cues and errors == []  # a tick is not an edit


def test_the_machine_heard_shows_the_piece_after_a_split_and_a_merge():
    machine = transliterated()
    text = MachineText(machine)
    split = ed.split_cue(machine, "c0001", 2)
    head, tail = text.heard(split[0]), text.heard(split[1])
    assert head.text == "కలసపాడు బ్రిడ్జిపై" and tail.text == "నుంచి నీరు ప్రవహించింది"
    assert head.second == transliteration("కలసపాడు బ్రిడ్జిపై")
    assert tail.second == transliteration("నుంచి నీరు ప్రవహించింది")
    # the tail is held on screen past its last word (fitted to the rules); what was heard ends with the words
    assert (tail.start_ms, tail.end_ms) == (split[1].start_ms, machine[0].end_ms) and split[1].end_ms > tail.end_ms
    assert head.start_ms == split[0].start_ms and head.end_ms <= split[0].end_ms
    assert (head.start_ms, head.end_ms) != (machine[0].start_ms, machine[0].end_ms)
    merged = text.heard(ed.merge_with_next(machine, "c0001")[0])
    assert merged.text == f"{machine[0].text} {machine[1].text}"
    assert (merged.start_ms, merged.end_ms) == (machine[0].start_ms, machine[1].end_ms)
    assert text.heard(machine[2]).text == machine[2].text


def test_drafts_are_written_off_the_page_newest_last(tmp_path):
    from nishabdham.review_ui.drafts import DraftWriter

    writer = DraftWriter()
    path = draft_path(tmp_path / "job1", "Anu")
    cues = make_cues()
    for n in range(20):
        writer.submit(path, "job1", "Anu", 0, apply_edit(cues, CueEdit("c0001", text=f"సవరణ {n}"), DURATION))
    writer.wait(path)
    assert read_draft(path).cues[0].text == "సవరణ 19"
    writer.submit(path, "job1", "Anu", 0, None)
    writer.wait(path)
    assert not path.exists()
