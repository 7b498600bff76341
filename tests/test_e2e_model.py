"""End to end on the real bundled Whisper model: the contract users and other tools rely on."""

from __future__ import annotations

import json

import jiwer
import pytest

import nishabdham.pipeline.runner as runner_module
from nishabdham.app.cli import main
from nishabdham.pipeline.audio import load_audio
from nishabdham.pipeline.cues.subtitles import parse_srt, parse_vtt
from nishabdham.pipeline.vad import speech_regions

pytestmark = pytest.mark.model


def english_words(text: str) -> str:
    import regex

    return " ".join(regex.sub(r"[^\p{L}\p{N}' ]", " ", text.lower()).split())


@pytest.fixture(scope="module")
def jfk_run(tmp_path_factory, jfk):
    out = tmp_path_factory.mktemp("jfk")
    code = main(
        ["transcribe", "--no-progress", str(jfk[0]), "--out", str(out), "--language", "en", "--second-line", "none"]
    )
    assert code == 0
    return out


def test_jfk_word_error_rate_is_at_most_ten_percent(jfk_run, jfk):
    cues = parse_srt((jfk_run / "jfk.srt").read_text(encoding="utf-8"))
    hypothesis = " ".join(" ".join(c.lines) for c in cues)
    assert jiwer.wer(english_words(jfk[1]), english_words(hypothesis)) <= 0.10


def test_jfk_americans_is_timed_near_1_8_seconds(jfk_run):
    data = json.loads((jfk_run / "jfk.json").read_text(encoding="utf-8"))
    words = [w for s in data["segments"] for w in s["words"] if "americans" in w["text"].lower()]
    assert len(words) == 1
    assert abs(words[0]["start_ms"] - 1800) <= 500 or words[0]["start_ms"] <= 1800 <= words[0]["end_ms"]


def test_jfk_outputs_agree_and_json_holds_the_contract(jfk_run):
    srt = parse_srt((jfk_run / "jfk.srt").read_text(encoding="utf-8"))
    vtt = parse_vtt((jfk_run / "jfk.vtt").read_text(encoding="utf-8"))
    assert [(c.start_ms, c.end_ms, c.lines) for c in srt] == [(c.start_ms, c.end_ms, c.lines) for c in vtt]
    data = json.loads((jfk_run / "jfk.json").read_text(encoding="utf-8"))
    assert data["model"] == "whisper-base (bundled)"
    assert data["language"] == "en"
    assert data["settings"]["decode"]["beam_size"] == 5
    assert data["settings"]["model_info"]["compute_type"] in ("int8", "float16")
    assert all(s["language"] and s["script"] for s in data["segments"])
    assert all(w["end_ms"] >= w["start_ms"] for s in data["segments"] for w in s["words"])
    assert [(c["start_ms"], c["end_ms"]) for c in data["cues"]] == [(c.start_ms, c.end_ms) for c in srt]
    assert data["audio"]["duration_ms"] == 11000


def test_transcribe_writes_the_qa_report_a_worker_writes(jfk_run):
    qa = json.loads((jfk_run / "jfk.qa.json").read_text(encoding="utf-8"))
    data = json.loads((jfk_run / "jfk.json").read_text(encoding="utf-8"))
    assert qa["source"] == data["source"] and qa["duration_ms"] == data["duration_ms"] == 11000
    assert 0 <= qa["score"] <= 100 and set(qa["counts"]) >= {"cue-rules", "low-confidence"}


def test_telugu_clip_gives_a_valid_srt_whose_cues_lie_inside_the_speech(tmp_path, te_rows):
    row = te_rows[1]
    code = main(["transcribe", "--no-progress", row["path"], "--out", str(tmp_path), "--second-line", "none"])
    assert code == 0
    stem = row["audio_filepath"].rsplit("/", 1)[-1].rsplit(".", 1)[0]
    cues = parse_srt((tmp_path / f"{stem}.srt").read_text(encoding="utf-8"))
    assert cues, "no cues for a clip full of speech"
    audio = load_audio(row["path"])
    regions = speech_regions(audio.samples, audio.sample_rate)
    speech_start, speech_end = regions[0].start_ms, regions[-1].end_ms
    assert cues[0].start_ms >= speech_start - 300
    assert cues[-1].end_ms <= audio.duration_ms
    data = json.loads((tmp_path / f"{stem}.json").read_text(encoding="utf-8"))
    for word in (w for s in data["segments"] for w in s["words"]):
        assert speech_start - 300 <= word["start_ms"] <= speech_end + 300


def test_several_inputs_load_the_model_once_and_good_files_survive_bad_ones(
    tmp_path, te_rows, jfk, monkeypatch, capsys
):
    loads = []
    real_load = runner_module.load_model

    def counting_load(options):
        loads.append(options.model)
        return real_load(options)

    monkeypatch.setattr(runner_module, "load_model", counting_load)
    bad = tmp_path / "broken.mp3"
    bad.write_text("not audio")
    inputs = [te_rows[2]["path"], str(bad), str(jfk[0])]
    code = main(["transcribe", "--no-progress", *inputs, "--out", str(tmp_path / "subs"), "--second-line", "none"])
    err = capsys.readouterr().err
    assert code == 1
    assert loads == ["bundled"]
    assert err.count("nishabdham: error:") == 1 and "broken.mp3" in err
    assert (tmp_path / "subs" / "jfk.srt").exists()


def test_windows_decoded_side_by_side_give_what_one_at_a_time_gives(model, te_rows, jfk):
    """The recording's windows go to two CTranslate2 workers at once; order and words are unchanged."""
    from dataclasses import replace

    import numpy as np

    from nishabdham.pipeline.audio import Audio
    from nishabdham.pipeline.decode.request import DecodeRequest
    from nishabdham.pipeline.decode.transcribe import DecodeOptions, decode_windows
    from nishabdham.pipeline.vad import SpeechRegion, Window

    clips = [load_audio(row["path"]).samples for row in te_rows[:3]] + [load_audio(jfk[0]).samples]
    gap = np.zeros(16000, dtype=np.float32)
    samples = np.concatenate([piece for clip in clips for piece in (clip, gap)])
    audio = Audio(samples, 16000, load_audio(jfk[0]).report)
    windows, start = [], 0
    for clip in clips:  # one window per clip, so the last (English) one is easy to tell apart
        end = start + len(clip) * 1000 // 16000
        windows.append(Window((SpeechRegion(start, end),)))
        start = end + 1000
    request = DecodeRequest("en", beam_size=1, temperatures=(0.0,))
    reported = []
    side_by_side = decode_windows(
        replace(model, workers=2), audio, [(w, request) for w in windows], DecodeOptions(), reported.append
    )
    one_at_a_time = decode_windows(replace(model, workers=1), audio, [(w, request) for w in windows], DecodeOptions())
    assert reported == sorted(reported) and reported[-1] == 1.0 and len(set(reported)) >= 3  # steady progress
    assert [(w.start_ms, w.text) for s in side_by_side for w in s.words] == [
        (w.start_ms, w.text) for s in one_at_a_time for w in s.words
    ]
    assert [s.start_ms for s in side_by_side] == sorted(s.start_ms for s in side_by_side)
    assert "americans" in " ".join(s.text for s in side_by_side[-2:]).lower()
