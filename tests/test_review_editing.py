"""Review edits as plain functions: text, times, split, merge, shift, undo, warnings, QA flags."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nishabdham.errors import ReviewError
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.pipeline.script import grapheme_len
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui.quality import MachineText, cue_warnings, error_rates, qa_flags, severity
from nishabdham.review_ui.session import EditSession
from tests.review_support import cues as make_cues
from tests.review_support import transcript

DURATION = transcript().duration_ms


def test_machine_cues_get_stable_ids_in_time_order():
    cues = make_cues()
    assert [c.id for c in cues] == ["c0001", "c0002", "c0003", "c0004"]
    assert all(a.end_ms < b.start_ms for a, b in zip(cues, cues[1:]))


def test_edit_text_normalizes_and_keeps_other_cues():
    cues = make_cues()
    decomposed = "పోతన  భాగవతం \n\n చదివారు "
    out = ed.edit_text(cues, "c0002", decomposed, second="Pōtana")
    assert out[1].text == "పోతన భాగవతం\nచదివారు"
    assert out[1].second == "Pōtana"
    assert out[0] is cues[0] and out[2] is cues[2]
    assert ed.edit_text(cues, "c0002", "  ")[1].blank


def test_set_times_checks_order_neighbours_and_recording():
    cues = make_cues()
    a, b = cues[0], cues[1]
    moved = ed.set_times(cues, b.id, a.end_ms + 100, b.end_ms + 50, DURATION)
    assert (moved[1].start_ms, moved[1].end_ms) == (a.end_ms + 100, b.end_ms + 50)
    with pytest.raises(ReviewError, match="overlaps cue 1"):
        ed.set_times(cues, b.id, a.end_ms - 1, b.end_ms, DURATION)
    with pytest.raises(ReviewError, match="overlaps cue 3"):
        ed.set_times(cues, b.id, b.start_ms, cues[2].start_ms + 1, DURATION)
    with pytest.raises(ReviewError, match="must come after"):
        ed.set_times(cues, b.id, b.end_ms, b.start_ms, DURATION)
    with pytest.raises(ReviewError, match="after the recording ends"):
        ed.set_times(cues, cues[-1].id, cues[-1].start_ms, DURATION + 1, DURATION)


def test_split_uses_word_timestamps_when_words_match():
    cues = make_cues()
    cue = cues[0]  # 5 words, 500 ms each with 100 ms pauses
    out = ed.split_cue(cues, cue.id, 2)
    head, tail = out[0], out[1]
    assert len(out) == len(cues) + 1
    assert head.id == cue.id and tail.id.startswith(cue.id + "+")
    assert head.text == "కలసపాడు బ్రిడ్జిపై" and tail.text == "నుంచి నీరు ప్రవహించింది"
    assert head.end_ms == cue.words[1].end_ms and tail.start_ms == cue.words[2].start_ms
    assert (head.start_ms, tail.end_ms) == (cue.start_ms, cue.end_ms)
    assert head.words == cue.words[:2] and tail.words == cue.words[2:]


def test_split_is_proportional_to_graphemes_without_matching_words():
    cues = ed.edit_text(make_cues(), "c0003", "this is an english line with more words")
    cue = cues[2]
    out = ed.split_cue(cues, cue.id, 4, CueRules(min_gap_ms=80), DURATION)
    head, tail = out[2], out[3]
    left, right = grapheme_len("thisisanenglish"), grapheme_len("linewithmorewords")
    boundary = cue.start_ms + round(cue.duration_ms * left / (left + right))
    assert head.end_ms == boundary - 40 and tail.start_ms == boundary + 40  # the rules' minimum gap, around it
    assert tail.start_ms - head.end_ms == 80


def test_split_divides_the_second_line_at_the_same_word():
    cues = ed.edit_text(make_cues(), "c0002", "పోతన భాగవతం చదివారు", second="Pōtana bhāgavataṁ cadivāru")
    out = ed.split_cue(cues, "c0002", 1)
    assert (out[1].second, out[2].second) == ("Pōtana", "bhāgavataṁ cadivāru")


@pytest.mark.parametrize("at", [0, 5, -1])
def test_split_outside_the_cue_is_refused(at):
    with pytest.raises(ReviewError, match="choose a word inside"):
        ed.split_cue(make_cues(), "c0001", at)


def test_merge_joins_text_times_words_and_tags():
    cues = ed.set_tags(make_cues(), "c0002", ["phonetic"])
    cues = ed.set_tags(cues, "c0001", ["cultural-term"])
    out = ed.merge_with_next(cues, "c0001")
    merged = out[0]
    assert len(out) == 3 and merged.id == "c0001"
    assert merged.text == f"{cues[0].text} {cues[1].text}"
    assert (merged.start_ms, merged.end_ms) == (cues[0].start_ms, cues[1].end_ms)
    assert merged.words == cues[0].words + cues[1].words
    assert merged.tags == ("cultural-term", "phonetic")
    with pytest.raises(ReviewError, match="last cue"):
        ed.merge_with_next(cues, "c0004")


def test_split_then_merge_gives_back_the_text_and_spans_both_pieces():
    cues = make_cues()
    split = ed.split_cue(cues, "c0001", 3, CueRules(), DURATION)
    merged = ed.merge_with_next(split, "c0001", CueRules(), DURATION)
    assert merged[0].text == cues[0].text and merged[0].words == cues[0].words
    # the split's tail is held on screen into the free time after it (reading time, hold before a pause)
    assert split[1].end_ms > cues[0].end_ms
    assert (merged[0].start_ms, merged[0].end_ms) == (cues[0].start_ms, split[1].end_ms)


def test_a_split_and_a_merge_are_fitted_to_the_subtitle_rules():
    """The review UI splits and merges with the pipeline's edits: pieces get the minimum duration and gap."""
    rules = CueRules(min_duration_ms=1500, min_gap_ms=120)
    cues = make_cues()
    cue = cues[0]  # five words of 500 ms with 100 ms between
    head, tail = ed.split_cue(cues, cue.id, 1, rules, DURATION)[:2]
    assert head.end_ms - head.start_ms >= 1500 and tail.end_ms - tail.start_ms >= 1500
    assert tail.start_ms - head.end_ms >= 120 and 0 <= head.start_ms <= cue.start_ms  # free time before it too
    assert tail.end_ms <= cues[1].start_ms - 120  # never into the next cue's gap
    with pytest.raises(ReviewError, match="too little to split"):
        ed.split_cue(cues, cue.id, 1, CueRules(min_gap_ms=cue.duration_ms), DURATION)


def test_shift_moves_every_cue_and_word_and_refuses_to_leave_the_recording():
    cues = make_cues()
    out = ed.shift_all(cues, 250, DURATION)
    assert [c.start_ms - 250 for c in out] == [c.start_ms for c in cues]
    assert out[0].words[0].start_ms == cues[0].words[0].start_ms + 250
    with pytest.raises(ReviewError, match="before the recording begins"):
        ed.shift_all(cues, -cues[0].start_ms - 1, DURATION)
    with pytest.raises(ReviewError, match="after the recording ends"):
        ed.shift_all(cues, DURATION, DURATION)


def test_tags_are_checked_and_kept_in_catalogue_order():
    cues = ed.set_tags(make_cues(), "c0001", ["timing", "cultural-term", "timing"])
    assert cues[0].tags == ("cultural-term", "timing")
    with pytest.raises(ReviewError, match="unknown error tag"):
        ed.set_tags(cues, "c0001", ["typo"])


def test_undo_restores_each_earlier_state_and_dirty_tracks_saves():
    session = EditSession.start("job1", 0, make_cues(), DURATION, undo_depth=2)
    assert not session.dirty and not session.can_undo
    first = session.apply(ed.edit_text, "c0001", "ఒకటి")
    second = first.apply(ed.merge_with_next, "c0002")
    third = second.apply(ed.shift_all, 10, DURATION)
    assert third.dirty
    assert third.undo().cues == second.cues
    assert third.undo().undo().cues == first.cues
    with pytest.raises(ReviewError, match="nothing to undo"):
        third.undo().undo().undo()  # depth 2: the oldest state fell off
    assert first.apply(ed.edit_text, "c0001", "ఒకటి") is first  # no change, no undo entry
    saved = third.saved_as(1, third.cues)
    assert not saved.dirty and saved.base_version == 1 and saved.can_undo


@given(st.integers(min_value=0, max_value=99 * 3_600_000))
def test_time_format_round_trips(ms):
    assert ed.parse_time(ed.format_ms(ms)) == ms


@pytest.mark.parametrize(
    "text,ms", [("1:02.5", 62_500), ("0:01:02.345", 62_345), ("3.2", 3_200), ("1,5", 1_500), (1234, 1234)]
)
def test_parse_time_accepts_what_editors_type(text, ms):
    assert ed.parse_time(text) == ms


@pytest.mark.parametrize("text", ["abc", "1:75", "-3", "1:2:3:4"])
def test_parse_time_refuses_nonsense(text):
    with pytest.raises(ReviewError, match="not a time"):
        ed.parse_time(text)


# --------------------------------------------------------------------------- warnings and QA


def test_live_warnings_count_telugu_length_in_aksharas():
    rules = CueRules()
    cues = make_cues()
    long_line = "ప్రవహించింది " * 6  # 6 x 5 aksharas + spaces: fits two lines of 30 aksharas, 72+ code points
    assert len(long_line.strip()) > rules.max_lines * rules.max_line_complex  # code points would not fit
    fine = ed.set_times(
        ed.edit_text(cues, "c0001", long_line), "c0001", cues[0].start_ms, cues[1].start_ms - 100, DURATION
    )
    assert not any(w.startswith("line 1") for w in cue_warnings(fine, rules).get("c0001", []))
    too_long = ed.edit_text(fine, "c0001", "ప్రవహించింది " * 13)
    assert any(w.startswith("line 1 too long") for w in cue_warnings(too_long, rules)["c0001"])


def test_warnings_include_reading_speed_and_skip_blank_cues():
    rules = CueRules()
    cues = ed.edit_text(make_cues(), "c0003", "a much longer english line that nobody can read in time")
    assert any("reading speed" in w for w in cue_warnings(cues, rules)["c0003"])
    assert "c0003" not in cue_warnings(ed.edit_text(cues, "c0003", ""), rules)


def test_qa_flags_rank_wrong_script_and_low_confidence_first():
    cue = make_cues()[1]
    assert qa_flags(cue) == ()
    shaky = cue.with_cue(words=tuple(replace(w, probability=0.1) for w in cue.words))
    tamil = cue.with_cue(text="தமிழ் வரி")
    assert qa_flags(shaky) == ("low confidence",)
    assert qa_flags(tamil, ["reading speed 20.0 > 17"]) == ("script", "reading speed")
    assert severity(qa_flags(tamil, ["reading speed 20.0 > 17"])) > severity(qa_flags(shaky))


def test_machine_text_follows_the_audio_after_split_and_retiming():
    cues = make_cues()
    machine = MachineText(cues)
    assert machine.for_cue(cues[0]) == cues[0].text
    split = ed.split_cue(ed.edit_text(cues, "c0001", "కలసపాడు వంతెనపై నుంచి నీరు ప్రవహించింది"), "c0001", 2)
    assert machine.for_cue(split[0]) == "కలసపాడు బ్రిడ్జిపై"
    assert machine.for_cue(split[1]) == "నుంచి నీరు ప్రవహించింది"
    assert machine.original(split[1].id) == cues[0]


def test_error_rates_compare_the_machine_with_the_review():
    machine = make_cues()
    assert error_rates(machine, machine).cer == 0.0
    reviewed = ed.edit_text(machine, "c0002", "పోతన భాగవతము చదివారు")
    rates = error_rates(reviewed, machine)
    assert 0 < rates.cer < 0.1 and 0 < rates.wer < 0.2
    assert (rates.cues_total, rates.cues_edited) == (4, 1)
