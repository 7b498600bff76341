"""What the waveform editor and the keyboard send back, applied as plain functions (issue 23)."""

from __future__ import annotations

import pytest

from nishabdham.errors import ReviewError
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.review_ui.editing import format_ms, split_at_time
from nishabdham.review_ui.edits import transliteration
from nishabdham.review_ui.session import EditSession
from nishabdham.review_ui.wave_events import FRAME_MS, SHORTCUTS, apply_event, apply_events, shortcut_map
from tests.review_support import cues as make_cues
from tests.review_support import transcript

DURATION = transcript().duration_ms
RULES = CueRules()


def session():
    return EditSession.start("job1", 0, make_cues(), DURATION)


def test_every_action_the_issue_names_has_a_key_and_no_key_is_bound_twice():
    actions = {s.action for s in SHORTCUTS}
    wanted = {"play-pause", "play-cue", "prev-cue", "next-cue", "start-at-playhead", "end-at-playhead"}
    wanted |= {"split-at-playhead", "merge-next", "insert-at-playhead", "delete", "apply-next", "save", "undo", "redo"}
    wanted |= {"nudge:start:-100", "nudge:start:+100", "nudge:end:-100", "nudge:end:+100"}
    wanted |= {"nudge:start:-1f", "nudge:start:+1f", "nudge:end:-1f", "nudge:end:+1f"}
    assert wanted <= actions
    assert len(shortcut_map()) == len(SHORTCUTS)


def test_a_dragged_region_and_a_nudge_go_through_the_edit_function():
    s = session()
    cue = s.cues[1]
    dragged = apply_event(
        s, {"action": "times", "cue_id": cue.id, "start_ms": cue.start_ms, "end_ms": cue.end_ms + 400}, RULES
    )
    assert dragged.session.cues[1].end_ms == cue.end_ms + 400 and dragged.selected == cue.id
    nudged = apply_event(
        dragged.session, {"action": "nudge", "cue_id": cue.id, "edge": "start", "delta_ms": -FRAME_MS}, RULES
    )
    assert nudged.session.cues[1].start_ms == cue.start_ms - FRAME_MS
    with pytest.raises(ReviewError, match="overlaps cue 3"):
        apply_event(
            s, {"action": "times", "cue_id": cue.id, "start_ms": cue.start_ms, "end_ms": s.cues[2].start_ms + 1}, RULES
        )
    assert apply_event(nudged.session, {"action": "undo"}, RULES).session.cues == dragged.session.cues


def test_split_at_the_playhead_takes_the_nearest_word_boundary():
    cues = make_cues()
    cue = cues[0]  # five words of 500 ms with 100 ms between
    out = split_at_time(cues, cue.id, cue.words[2].start_ms - 10, RULES)
    assert out[0].text == " ".join(cue.text.split()[:2]) and out[1].text == " ".join(cue.text.split()[2:])
    with pytest.raises(ReviewError, match="not inside cue 1"):
        split_at_time(cues, cue.id, cue.end_ms + 50, RULES)
    s = apply_event(session(), {"action": "split", "cue_id": cue.id, "at_ms": cue.words[3].start_ms}, RULES).session
    assert len(s.cues) == 5 and s.cues[1].text == " ".join(cue.text.split()[3:])


def test_insert_at_the_playhead_selects_the_new_cue_and_delete_selects_the_next():
    s = session()
    gap_at = s.cues[1].end_ms + 200
    inserted = apply_event(s, {"action": "insert", "at_ms": gap_at}, RULES)
    new = inserted.session.cues[2]
    assert inserted.selected == new.id and new.start_ms == gap_at and new.text == ""
    deleted = apply_event(inserted.session, {"action": "delete", "cue_id": new.id}, RULES)
    assert deleted.session.cues == s.cues and deleted.selected == s.cues[2].id


def test_select_save_help_and_an_unknown_action():
    s = session()
    assert apply_event(s, {"action": "select", "cue_id": "c0003"}, RULES).selected == "c0003"
    assert apply_event(s, {"action": "save"}, RULES).request == "save"
    assert apply_event(s, {"action": "merge", "cue_id": "c0001"}, RULES).session.cues[0].text.endswith(s.cues[1].text)
    with pytest.raises(ReviewError, match="not in this version"):
        apply_event(s, {"action": "select", "cue_id": "c9999"}, RULES)
    with pytest.raises(ReviewError, match="does not know"):
        apply_event(s, {"action": "explode", "cue_id": "c0001"}, RULES)


def test_the_selected_cues_fields_edit_lines_and_times_line_two_following_line_one():
    s = session()
    s = apply_event(
        s, {"action": "fields", "cue_id": s.cues[0].id, "second": transliteration(s.cues[0].text)}, RULES
    ).session
    cue = s.cues[0]  # its line 2 is the transliteration of line 1, as the pipeline writes it
    fixed = apply_event(s, {"action": "fields", "cue_id": cue.id, "text": "కలసపాడు  వంతెనపై "}, RULES)
    assert fixed.session.cues[0].text == "కలసపాడు వంతెనపై" and fixed.session.cues[0].second == "kalasapāḍu vaṁtenapai"
    own = apply_event(fixed.session, {"action": "fields", "cue_id": cue.id, "second": "Kalasapadu bridge"}, RULES)
    assert own.session.cues[0].second == "Kalasapadu bridge"
    later = format_ms(cue.start_ms + 250)
    timed = apply_event(own.session, {"action": "fields", "cue_id": cue.id, "start": later}, RULES)
    assert timed.session.cues[0].start_ms == cue.start_ms + 250 and timed.session.cues[0].second == "Kalasapadu bridge"
    with pytest.raises(ReviewError, match="is not a time"):
        apply_event(s, {"action": "fields", "cue_id": cue.id, "end": "soon"}, RULES)


def test_events_are_applied_once_in_order_and_a_refused_one_does_not_stop_the_rest():
    s = session()
    cue = s.cues[1]
    nudge = {"action": "nudge", "cue_id": cue.id, "edge": "start", "delta_ms": 100}
    events = [
        {"seq": 12, **nudge},
        {"seq": 11, **nudge},  # sent before 12: applied first
        {"seq": 13, "action": "times", "cue_id": cue.id, "start_ms": 0, "end_ms": cue.end_ms},  # overlaps cue 1
        {"seq": 14, "action": "select", "cue_id": "c0003"},
        {"seq": 15, "action": "save"},
    ]
    outcome = apply_events(s, events, 10, RULES)
    assert outcome.result.session.cues[1].start_ms == cue.start_ms + 200
    assert outcome.ack == 15 and outcome.result.selected == "c0003" and outcome.requests == ("save",)
    assert len(outcome.refused) == 1 and "overlaps cue 1" in outcome.refused[0]
    again = apply_events(outcome.result.session, events, outcome.ack, RULES)  # the same value sent again
    assert again.result.session is outcome.result.session and again.ack == 15 and not again.refused
    half = apply_events(s, events[:2], 11, RULES)  # 11 was applied before: only 12 is new
    assert half.result.session.cues[1].start_ms == cue.start_ms + 100
