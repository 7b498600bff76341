"""A cue's origin and alignment confidence survive every step after the aligner (issue 14).

The speaker stage's splits, every review edit (text, times, speaker, split, merge, shift),
the three-way merge of two reviewers' versions, the version files and the approved JSON:
none may drop ``Cue.origin`` or ``Cue.confidence``. A merge of a cue from the given text
with a heard one is ``mixed`` with the text part's confidence; an edited cue from the
text stays ``text`` and the approved JSON lists what reviewers changed in ``edited``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from nishabdham.pipeline.codeswitch import second_line
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.pipeline.cues.subtitles import render_outputs
from nishabdham.pipeline.speakers.diarize import DiarizeOptions, SpeakerTurn, assign_speakers, keep_out_of_nonspeech
from nishabdham.pipeline.vad import SpeechRegion
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui.approval import INCLUDE, approve
from nishabdham.review_ui.media import prepare_review_audio
from nishabdham.review_ui.recording import load_transcript, open_recording
from nishabdham.review_ui.versions import VersionStore, resolve, three_way_merge
from nishabdham.types import Cue, Transcript, Word, dumps, from_jsonable
from tests.conftest import tone, write_wav
from tests.review_support import transcript

RULES = CueRules()
# cue 1 and 2 from the given text, 3 heard (an introduction), 4 from the text
ORIGINS = (("text", 0.91), ("text", 0.72), ("heard", None), ("text", 0.64))


def aligned_transcript():
    base = transcript()
    cues = tuple(replace(c, origin=o, confidence=k) for c, (o, k) in zip(base.cues, ORIGINS))
    return replace(base, cues=cues)


def machine() -> tuple[ed.ReviewCue, ...]:
    return ed.machine_cues(aligned_transcript())


def origins(cues) -> list[tuple[str, float | None]]:
    return [(c.origin, c.confidence) for c in cues]


# --------------------------------------------------------------------------- the speaker stage


def test_a_cue_split_at_a_speaker_change_keeps_origin_and_confidence():
    words = (Word(0, 500, "one"), Word(600, 1500, "two"), Word(2050, 2800, "three"), Word(2900, 3500, "four"))
    cue = Cue(0, 3500, "one two three four", words=words, origin="text", confidence=0.83)
    turns = [SpeakerTurn(0, 2000, "SPEAKER_00"), SpeakerTurn(2000, 4000, "SPEAKER_01")]
    pieces = assign_speakers([cue], turns, RULES, 5000)
    assert [(p.text, p.speaker) for p in pieces] == [("one two", "SPEAKER_00"), ("three four", "SPEAKER_01")]
    assert origins(pieces) == [("text", 0.83)] * 2


def test_a_transliterated_cue_split_by_speaker_keeps_origin_with_new_second_lines():
    text = "పోతన భాగవతం చదివారు"
    words = (Word(0, 600, "పోతన"), Word(700, 1500, "భాగవతం"), Word(2100, 2900, "చదివారు"))
    cue = Cue(0, 2900, text, second=second_line(text), words=words, origin="text", confidence=0.77)
    turns = [SpeakerTurn(0, 1800, "SPEAKER_00"), SpeakerTurn(1800, 3000, "SPEAKER_01")]
    pieces = assign_speakers([cue], turns, RULES, 4000, second_line)
    assert [p.second for p in pieces] == [second_line("పోతన భాగవతం"), second_line("చదివారు")]
    assert origins(pieces) == [("text", 0.77)] * 2


def test_a_cue_kept_out_of_music_keeps_origin_and_confidence():
    cue = Cue(0, 3000, "one", words=(Word(0, 800, "one"),), origin="text", confidence=0.9)
    (kept,) = keep_out_of_nonspeech([cue], [SpeechRegion(0, 1500)], DiarizeOptions(), 5000)
    assert kept.end_ms < 3000 and origins([kept]) == [("text", 0.9)]


# --------------------------------------------------------------------------- review edits


def test_machine_cues_carry_origin_and_confidence():
    assert origins(machine()) == list(ORIGINS)
    assert [c.as_cue() for c in machine()] == list(aligned_transcript().cues)


def test_a_split_cue_keeps_both_in_both_halves():
    out = ed.split_cue(machine(), "c0001", 2)
    assert origins(out[:2]) == [("text", 0.91), ("text", 0.91)]
    prop = ed.split_cue(ed.edit_text(machine(), "c0002", "పోతన భాగవతము చదివిరి ఆనాడు"), "c0002", 3)
    assert origins(prop[1:3]) == [("text", 0.72), ("text", 0.72)]  # times shared in proportion


def test_merging_two_text_cues_keeps_text_and_the_lower_confidence():
    (merged, *_) = ed.merge_with_next(machine(), "c0001")
    assert origins([merged]) == [("text", 0.72)]


def test_merging_a_text_cue_with_a_heard_one_is_mixed_with_the_text_confidence():
    cues = ed.merge_with_next(machine(), "c0002")  # text 0.72 + heard
    assert origins([cues[1]]) == [("mixed", 0.72)]
    cues = ed.merge_with_next(machine(), "c0003")  # heard + text 0.64
    assert origins([cues[2]]) == [("mixed", 0.64)]
    heard = tuple(c.with_cue(origin="heard", confidence=None) for c in machine())
    assert origins(ed.merge_with_next(heard, heard[0].id)[:1]) == [("heard", None)]  # two heard cues stay heard


def test_every_single_cue_edit_keeps_origin_and_confidence():
    duration = aligned_transcript().duration_ms
    cues = machine()
    steps = [
        lambda c: ed.edit_text(c, "c0001", "కలసపాడు వంతెనపై నుంచి నీరు", second="Kalasapāḍu"),
        lambda c: ed.set_times(c, "c0002", c[1].start_ms + 100, c[1].end_ms - 100, duration),
        lambda c: ed.set_speaker(c, "c0004", "SPEAKER_00"),
        lambda c: ed.rename_speaker(c, "SPEAKER_00", "Rao"),
        lambda c: ed.set_tags(c, "c0001", ["phonetic"]),
        lambda c: ed.shift_all(c, 200, duration),
        lambda c: ed.update_cue(c, "c0004", duration_ms=duration, text="శ్రీనాథుడు", speaker="Ravi"),
    ]
    for step in steps:
        cues = step(cues)
        assert origins(cues) == list(ORIGINS)


def test_an_edited_text_cue_stays_text_and_says_what_was_edited():
    original = machine()
    cues = ed.edit_text(original, "c0001", "కలసపాడు వంతెనపై నుంచి నీరు ప్రవహించింది")
    cues = ed.shift_all(cues, 100, aligned_transcript().duration_ms)
    first = cues[0].as_cue(cues[0].edits(original[0]))
    assert (first.origin, first.confidence, first.edited) == ("text", 0.91, ("times", "text"))
    assert cues[1].edits(original[1]) == ("times",)
    assert original[2].edits(original[2]) == () and cues[2].edits(None) == ed.EDIT_FIELDS
    assert "From the published text (alignment confidence 0.91)" == ed.origin_label(cues[0])


# --------------------------------------------------------------------------- two reviewers, merged


def test_my_merge_of_cues_keeps_its_origin_through_a_three_way_merge():
    base = machine()
    mine = ed.merge_with_next(base, "c0002")  # text + heard: mixed
    theirs = ed.edit_text(base, "c0004", "శ్రీనాథుడు")
    merge = three_way_merge(base, mine, theirs)
    assert merge.conflicts == ()
    by_id = {c.id: c for c in merge.cues}
    assert "c0003" not in by_id and origins([by_id["c0002"]]) == [("mixed", 0.72)]
    assert origins([by_id["c0001"], by_id["c0004"]]) == [("text", 0.91), ("text", 0.64)]


def test_choosing_my_merged_cue_in_a_conflict_takes_its_origin():
    base = machine()
    mine = ed.merge_with_next(base, "c0002")
    theirs = ed.edit_text(base, "c0002", "పోతన భాగవతము చదివారు")
    duration = aligned_transcript().duration_ms
    theirs = ed.set_times(theirs, "c0002", base[1].start_ms, base[1].end_ms + 200, duration)
    merge = three_way_merge(base, mine, theirs)
    assert {(c.cue_id, c.field) for c in merge.conflicts} >= {("c0002", "times"), ("c0002", "text")}
    assert origins([c for c in merge.cues if c.id == "c0002"]) == [("text", 0.72)]  # theirs until chosen
    chosen = resolve(merge, [("c0002", "text"), ("c0002", "times"), ("c0003", "cue")])
    assert origins([c for c in chosen if c.id == "c0002"]) == [("mixed", 0.72)]


# --------------------------------------------------------------------------- files: versions and approval


@pytest.fixture
def recording(tmp_path):
    t = aligned_transcript()
    audio = write_wav(tmp_path / "reading.wav", tone(220, t.duration_ms / 1000, 0.3))
    path = tmp_path / "reading.json"
    path.write_text(dumps(t), encoding="utf-8")  # the pipeline's JSON writer
    rec = open_recording(tmp_path / "data", "job1", path, audio)  # ... and the review UI's reader
    prepare_review_audio(rec.source, rec.folder)
    return rec


def test_origin_and_confidence_round_trip_through_versions_and_the_approved_json(recording, tmp_path):
    assert origins(recording.machine) == list(ORIGINS)
    store = VersionStore(recording.folder.parent)
    store.open("job1", recording.machine)
    cues = ed.edit_text(recording.machine, "c0001", "కలసపాడు వంతెనపై నుంచి నీరు ప్రవహించింది")
    cues = ed.split_cue(cues, "c0002", 1)
    cues = ed.merge_with_next(cues, cues[2].id)  # the split's tail (text) with the heard cue
    saved = store.save("job1", cues, base=0, reviewer="Anu")

    stored = json.loads((recording.folder / "v0001.json").read_text(encoding="utf-8"))
    assert [(c["origin"], c["confidence"]) for c in stored["cues"]] == origins(cues)
    loaded = VersionStore(recording.folder.parent).load("job1", 1)
    assert loaded.cues == saved.cues
    expected = [("text", 0.91), ("text", 0.72), ("mixed", 0.72), ("text", 0.64)]
    assert origins(loaded.cues) == expected

    # the split left a cue under the minimum duration: the approver vouches for it (issue 23's doubts)
    approval = approve(recording, store, loaded, "Lakshmi", RULES, tmp_path / "data", doubtful=INCLUDE)
    approved = Path(approval.folder) / "reading.json"
    final = load_transcript(approved)
    assert origins(final.cues) == expected
    assert [c.edited for c in final.cues] == [("text",), ("times", "text"), ("times", "text"), ()]
    written = json.loads(approved.read_text(encoding="utf-8"))["cues"][0]
    assert (written["origin"], written["confidence"], written["edited"]) == ("text", 0.91, ["text"])


def test_the_writer_and_reader_keep_every_origin_field():
    cues = tuple(replace(c, edited=("text",) if c.origin == "text" else ()) for c in aligned_transcript().cues)
    t = replace(aligned_transcript(), cues=cues)
    back = from_jsonable(Transcript, json.loads(render_outputs(t, "reading", RULES)["reading.json"]))
    assert back.cues == cues
