"""What the waveform editor and the keyboard send back, applied as plain functions (issue 23)."""

from __future__ import annotations

import pytest

from nishabdham.errors import ReviewError
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.review_ui.editing import split_at_time
from nishabdham.review_ui.session import EditSession
from nishabdham.review_ui.wave_events import FRAME_MS, SHORTCUTS, apply_event, shortcut_map
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
