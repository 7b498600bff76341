"""Approval that protects the evaluation set: doubtful cues need a decision, rows keep the speaker,
the job's warnings and a failed job's whole reason are shown (issue 23, bugs 4, 5 and 6)."""

from __future__ import annotations

import pytest

from nishabdham.errors import InputError, ReviewError
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui.approval import INCLUDE, LEAVE_OUT, approve, doubts, latest_approval
from nishabdham.review_ui.evalsets import MANIFEST, read_manifest, reviewed_set_dir
from nishabdham.review_ui.jobs import ReviewStatus, error_reason, job_row, transcript_warnings
from nishabdham.review_ui.media import prepare_review_audio
from nishabdham.review_ui.recording import open_recording
from nishabdham.review_ui.versions import VersionStore
from nishabdham.types import Transcript, dumps
from nishabdham.workers.jobs import Job
from tests.conftest import tone, write_wav
from tests.review_support import transcript


@pytest.fixture
def recording(tmp_path):
    t = transcript()
    audio = write_wav(tmp_path / "reading.wav", tone(220, t.duration_ms / 1000, 0.3))
    path = tmp_path / "reading.json"
    path.write_text(dumps(t), encoding="utf-8")
    rec = open_recording(tmp_path / "data", "job1", path, audio)
    prepare_review_audio(rec.source, rec.folder)
    return rec


def _reviewed(recording):
    """Cue 3 (English) tagged a hallucination but left as it was; cue 2 fixed and tagged; named speakers."""
    store = VersionStore(recording.folder.parent)
    machine = store.open("job1", recording.machine).cues
    cues = ed.set_tags(machine, "c0003", ["hallucination"])
    cues = ed.set_tags(ed.edit_text(cues, "c0002", "పోతన భాగవతము చదివారు"), "c0002", ["phonetic"])
    cues = ed.rename_speaker(tuple(c.with_cue(speaker="SPEAKER_00") for c in cues), "SPEAKER_00", "Lakshmi")
    return store, store.save("job1", cues, base=0, reviewer="Anu")


def test_a_cue_tagged_wrong_but_unchanged_is_doubtful_and_a_fixed_one_is_not(recording):
    _, version = _reviewed(recording)
    found = doubts(version.cues, recording.machine_text, CueRules())
    assert [(d.number, d.cue_id) for d in found] == [(3, "c0003")]
    assert "tagged hallucination but left as the machine wrote it" in found[0].reason
    blanked = ed.edit_text(version.cues, "c0003", "")
    assert doubts(blanked, recording.machine_text, CueRules()) == []
    short = ed.set_times(blanked, "c0001", blanked[0].start_ms, blanked[0].start_ms + 300, recording.duration_ms)
    assert [d.number for d in doubts(short, recording.machine_text, CueRules())] == [1]
    assert "too short" in doubts(short, recording.machine_text, CueRules())[0].reason


def test_approval_asks_about_doubtful_cues_and_leaves_them_out_of_the_evaluation_set(recording, tmp_path):
    store, version = _reviewed(recording)
    data_dir = tmp_path / "data"
    with pytest.raises(ReviewError, match="1 cue\\(s\\) need a decision"):
        approve(recording, store, version, "Lakshmi", CueRules(), data_dir)
    assert latest_approval(recording.folder) is None
    done = approve(recording, store, version, "Lakshmi", CueRules(), data_dir, LEAVE_OUT)
    rows = read_manifest(reviewed_set_dir(data_dir) / MANIFEST)
    assert done.left_out == ("c0003",) and latest_approval(recording.folder).left_out == ("c0003",)
    assert [r.cue for r in rows] == ["c0001", "c0002", "c0004"]
    assert "this is an english line" in (recording.folder / "approved" / "v0001" / "reading.srt").read_text()


def test_an_approver_may_vouch_for_doubtful_cues(recording, tmp_path):
    store, version = _reviewed(recording)
    done = approve(recording, store, version, "Lakshmi", CueRules(), tmp_path / "data", INCLUDE)
    rows = read_manifest(reviewed_set_dir(tmp_path / "data") / MANIFEST)
    assert done.left_out == () and [r.cue for r in rows] == ["c0001", "c0002", "c0003", "c0004"]


def test_evaluation_rows_keep_the_speaker(recording, tmp_path):
    store, version = _reviewed(recording)
    approve(recording, store, version, "Lakshmi", CueRules(), tmp_path / "data", LEAVE_OUT)
    rows = read_manifest(reviewed_set_dir(tmp_path / "data") / MANIFEST)
    assert {r.speaker for r in rows} == {"Lakshmi"}


def test_the_jobs_page_shows_the_pipelines_warning_and_a_failed_jobs_whole_reason(tmp_path):
    silent = Transcript(
        "silence.wav",
        3000,
        "te",
        0.0,
        "test",
        warnings=("no speech found (the recording is silent): the subtitles are empty",),
    )
    path = tmp_path / "silence.json"
    path.write_text(dumps(silent), encoding="utf-8")
    warnings = transcript_warnings(path)
    assert warnings == silent.warnings and transcript_warnings(tmp_path / "missing.json") == ()
    job = Job(
        "j1",
        str(tmp_path / "silence.wav"),
        str(tmp_path),
        "silence",
        "0" * 64,
        "0" * 8,
        state="done",
        qa={"score": 0, "counts": {}},
    )
    assert job_row(job, ReviewStatus())["QA"] == "no flags"  # what the page said before: nothing about silence
    row = job_row(job, ReviewStatus(), warnings)
    assert row["QA"].startswith("no speech found") and "no flags" not in row["QA"]
    reason = str(
        InputError(
            "ffmpeg cannot decode it: moov atom not found; the file may be cut short",
            path="/srv/nishabdham/uploads/ab12/kavita reading.m4a",
        )
    )
    assert (
        error_reason(reason)
        == "kavita reading.m4a: ffmpeg cannot decode it: moov atom not found; the file may be cut short"
    )
    assert error_reason("worker lost during decode") == "worker lost during decode"
