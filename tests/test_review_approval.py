"""Approval: final subtitles, evaluation-set rows with clipped audio, error rates; the glossary in one step."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile

from nishabdham.errors import GlossaryError, ReviewError
from nishabdham.evaluation.manifest import ManifestRow
from nishabdham.pipeline.codeswitch.glossary import load_glossary, read_terms
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.pipeline.cues.subtitles import parse_srt
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui.approval import approve, latest_approval
from nishabdham.review_ui.evalsets import MANIFEST, latest_per_job, read_manifest, reviewed_set_dir, row_language
from nishabdham.review_ui.glossary import add_term, reviewed_term
from nishabdham.review_ui.media import clip_wav_bytes, load_peaks, prepare_review_audio
from nishabdham.review_ui.recording import open_recording
from nishabdham.review_ui.versions import VersionStore
from nishabdham.types import dumps
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


def test_review_audio_slices_are_exact_to_the_millisecond(recording):
    data = clip_wav_bytes(recording.review_wav, 1234, 2345)
    import io

    samples, rate = soundfile.read(io.BytesIO(data))
    assert rate == 16000 and len(samples) == round((2345 - 1234) * 16)
    peaks = load_peaks(recording.folder)
    assert peaks.shape == (int(np.ceil(recording.duration_ms / 20)), 2)
    assert float(peaks[10, 1]) > 0.1 > -0.1 > float(peaks[10, 0])


def test_approval_exports_subtitles_and_appends_evaluation_rows(recording, tmp_path):
    data_dir = tmp_path / "data"
    store = VersionStore(recording.folder.parent)
    machine = recording.machine
    store.open("job1", machine)
    edited = ed.edit_text(machine, "c0002", "పోతన భాగవతము చదివారు")
    edited = ed.set_tags(edited, "c0002", ["cultural-term", "phonetic"])
    edited = ed.edit_text(edited, "c0004", "")  # a hallucination, removed
    edited = ed.set_tags(edited, "c0004", ["hallucination"])
    version = store.save("job1", edited, base=0, reviewer="Anu")

    approval = approve(recording, store, version, "Lakshmi", CueRules(), data_dir)

    srt = (recording.folder / "approved" / "v0001" / "reading.srt").read_text(encoding="utf-8")
    assert "పోతన భాగవతము చదివారు" in srt and "శ్రీనాథుడు" not in srt
    assert len(parse_srt(srt)) == 3
    assert {"reading.srt", "reading.vtt", "reading.json"} <= set(approval.files)
    manifest = reviewed_set_dir(data_dir) / MANIFEST
    rows = read_manifest(manifest)
    assert len(rows) == 4 and approval.rows == 4 and approval.set_version == 1
    row = next(r for r in rows if r.cue == "c0002")
    assert row.text == "పోతన భాగవతము చదివారు" and row.hypothesis == "పోతన భాగవతం చదివారు"
    assert row.tags == ["cultural-term", "phonetic"] and row.reviewer == "Anu" and row.job == "job1"
    assert row.lang == "te" and row.set_version == 1 and row.edited is True
    clip = manifest.parent / row.audio_filepath
    assert soundfile.info(str(clip)).duration == pytest.approx(row.duration, abs=0.002)
    assert row.duration == pytest.approx((row.source_end_ms - row.source_start_ms) / 1000, abs=0.002)
    gone = next(r for r in rows if r.cue == "c0004")
    assert gone.text == "" and gone.hypothesis == "శ్రీనాథుడు కవిసార్వభౌముడు" and gone.tags == ["hallucination"]
    english = next(r for r in rows if r.cue == "c0003")
    assert english.lang == "en" and english.reviewer == "Lakshmi" and english.edited is False
    assert approval.cer > 0 and approval.cues_edited == 2
    assert latest_approval(recording.folder) == approval
    for line in manifest.read_text(encoding="utf-8").splitlines():
        ManifestRow.model_validate(json.loads(line))


def test_approval_is_append_only_and_versioned(recording, tmp_path):
    data_dir = tmp_path / "data"
    store = VersionStore(recording.folder.parent)
    store.open("job1", recording.machine)
    v1 = store.save("job1", ed.edit_text(recording.machine, "c0001", "ఒకటి"), base=0, reviewer="Anu")
    approve(recording, store, v1, "Anu", CueRules(), data_dir)
    manifest = reviewed_set_dir(data_dir) / MANIFEST
    before = manifest.read_bytes()
    with pytest.raises(ReviewError, match="already approved"):
        approve(recording, store, v1, "Anu", CueRules(), data_dir)
    v2 = store.save("job1", ed.edit_text(v1.cues, "c0001", "మొదటి"), base=1, reviewer="Anu")
    with pytest.raises(ReviewError, match="version 2 is newer"):
        approve(recording, store, v1, "Anu", CueRules(), data_dir)
    second = approve(recording, store, v2, "Anu", CueRules(), data_dir)
    after = manifest.read_bytes()
    assert after.startswith(before) and second.set_version == 2
    current = latest_per_job(read_manifest(manifest))
    assert {r.set_version for r in current} == {2} and len(current) == 4
    assert [r.text for r in current if r.cue == "c0001"] == ["మొదటి"]


def test_approval_refuses_overlapping_times_and_unreviewed_recordings(recording, tmp_path):

    store = VersionStore(recording.folder.parent)
    v0 = store.open("job1", recording.machine)
    with pytest.raises(ReviewError, match="save your review"):
        approve(recording, store, v0, "Anu", CueRules(), tmp_path / "data")
    cues = list(recording.machine)
    cues[1] = cues[1].with_cue(start_ms=cues[0].end_ms - 200)
    version = store.save("job1", tuple(cues), base=0, reviewer="Anu")
    with pytest.raises(ReviewError, match="fix the times"):
        approve(recording, store, version, "Anu", CueRules(), tmp_path / "data")
    assert not (reviewed_set_dir(tmp_path / "data") / MANIFEST).exists()


@pytest.mark.parametrize("text,lang", [("పోతన", "te"), ("Pothana", "en"), ("పోతన poem", "te-en"), ("", "te")])
def test_row_language(text, lang):
    assert row_language(text) == lang


def test_glossary_term_is_appended_in_the_pipelines_format_and_loads(tmp_path):
    path = tmp_path / "glossary.toml"
    path.write_text(
        '# my terms\n[[term]]\ntelugu = "పోతన"\niso = "pōtana"\nkind = "poet"\ngloss = "poet"\nvariants = []\n',
        encoding="utf-8",
    )
    term = reviewed_term("శ్రీనాథుడు", "Srinatha, poet (15th c.)", "poet", variants=["Srinathudu", "srinathudu", " "])
    add_term(path, term, reviewer="Anu", job="job1")
    terms = read_terms(path)
    assert [t.telugu for t in terms] == ["పోతన", "శ్రీనాథుడు"]
    assert (terms[1].iso, terms[1].kind, terms[1].variants) == ("śrīnāthuḍu", "poet", ("srinathudu",))
    assert len(load_glossary(path)) == 2  # the pipeline loads it
    added = [
        json.loads(line) for line in (tmp_path / "glossary-additions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [(a["telugu"], a["reviewer"], a["job"]) for a in added] == [("శ్రీనాథుడు", "Anu", "job1")]
    with pytest.raises(GlossaryError, match="already in the glossary"):
        add_term(path, term, reviewer="Ravi")


@pytest.mark.parametrize(
    "fields,message",
    [
        (("Pothana", "poet", "poet"), "not Telugu script"),
        (("తిక్కన", "poet", "king"), "kind"),
        (("తిక్కన", "", "poet"), "gloss"),
        (("", "poet", "poet"), "needs its Telugu spelling"),
    ],
)
def test_a_term_the_pipeline_would_refuse_never_reaches_the_glossary(tmp_path, fields, message):
    path = tmp_path / "glossary.toml"
    with pytest.raises(GlossaryError, match=message):
        add_term(path, reviewed_term(*fields), reviewer="Anu")
    assert not path.exists()


def test_a_wrong_transliteration_is_refused_with_the_right_one(tmp_path):
    with pytest.raises(GlossaryError, match="ISO 15919 is 'tikkana'"):
        reviewed_term("తిక్కన", "poet", "poet", iso="tikana")


def test_review_audio_is_prepared_once_in_the_background(tmp_path):
    from nishabdham.review_ui.media import ensure_review_audio, prepare_in_background, review_audio_ready

    audio = write_wav(tmp_path / "reading.wav", tone(220, 3.0, 0.3))
    folder = tmp_path / "reviews" / "job1"
    assert prepare_in_background(audio, folder) is True
    assert prepare_in_background(audio, folder) is False  # already under way
    path = ensure_review_audio(audio, folder)  # waits for it
    assert review_audio_ready(folder) and soundfile.info(str(path)).frames == 3 * 16000
    assert prepare_in_background(audio, folder) is False  # nothing left to do


def test_approved_export_keeps_the_jobs_speaker_names_and_rules(tmp_path):
    """Approval renders with the job's own rules and writer options, not the server's defaults (issue 20)."""
    from dataclasses import replace

    from nishabdham.pipeline.cues.subtitles import WriterOptions
    from nishabdham.types import to_jsonable

    t = transcript()
    labelled = tuple(replace(c, speaker="SPEAKER_00" if i % 2 == 0 else "SPEAKER_01") for i, c in enumerate(t.cues))
    job_rules = CueRules(speaker_prefix=True)
    writer = WriterOptions(speaker_names={"SPEAKER_00": "Host", "SPEAKER_01": "Poet"})
    t = replace(
        t, cues=labelled, settings={"segment": {"rules": to_jsonable(job_rules)}, "writer": to_jsonable(writer)}
    )
    audio = write_wav(tmp_path / "reading.wav", tone(220, t.duration_ms / 1000, 0.3))
    path = tmp_path / "reading.json"
    path.write_text(dumps(t), encoding="utf-8")
    rec = open_recording(tmp_path / "data", "job1", path, audio)
    prepare_review_audio(rec.source, rec.folder)
    store = VersionStore(rec.folder.parent)
    store.open("job1", rec.machine)
    version = store.save("job1", ed.edit_text(rec.machine, "c0002", "పోతన భాగవతము చదివారు"), base=0, reviewer="Anu")

    approval = approve(rec, store, version, "Anu", CueRules(), tmp_path / "data")  # the server's rules: no prefix

    srt = parse_srt((rec.folder / "approved" / "v0001" / "reading.srt").read_text(encoding="utf-8"))
    assert [c.lines[0].split(":")[0] for c in srt] == ["Host", "Poet", "Host", "Poet"]
    assert srt[1].lines[0] == "Poet: పోతన భాగవతము చదివారు"
    data = json.loads((rec.folder / "approved" / "v0001" / "reading.json").read_text(encoding="utf-8"))
    assert [c["speaker"] for c in data["cues"]] == ["Host", "Poet", "Host", "Poet"]
    assert {"reading.srt", "reading.vtt", "reading.json"} <= set(approval.files)
