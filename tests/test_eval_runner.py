"""Running an evaluation: offset/duration respected, bad rows reported by line, the rest scored.

The transcriber here is a stand-in that reports how long the audio it was
given is, so the tests check the cutting and the bookkeeping around the model
without loading it; the real model runs in test_eval_cli.py and test_eval_dev.py.
"""

from __future__ import annotations

import json

import pytest

from nishabdham.errors import ModelError
from nishabdham.evaluation.runner import evaluate
from nishabdham.pipeline.audio import load_audio
from nishabdham.pipeline.runner import PipelineOptions
from nishabdham.types import Cue, Transcript
from tests.conftest import tone, write_wav


class MeasuringTranscriber:
    """Writes one cue as long as the audio it gets, saying "ask not"; remembers the lengths."""

    options = PipelineOptions()

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.seconds: list[float] = []
        self.fail_with = fail_with

    def run(self, path) -> Transcript:
        if self.fail_with is not None:
            raise self.fail_with
        seconds = load_audio(path).duration_ms / 1000  # decoding errors are the real ones
        self.seconds.append(round(seconds, 2))
        cue = Cue(0, int(seconds * 1000), "ask not")
        return Transcript(str(path), cue.end_ms, "en", 1.0, "stand-in", cues=(cue,))


@pytest.fixture
def evalset(tmp_path):
    folder = tmp_path / "set"
    folder.mkdir()
    write_wav(folder / "five.wav", tone(220, 5.0, 0.3))
    (folder / "broken.wav").write_text("not audio")
    (folder / "ref.srt").write_text("1\n00:00:01,100 --> 00:00:02,900\nask not\n", encoding="utf-8")
    (folder / "bad.srt").write_text("1\n00:00:05,000 --> 00:00:01,000\nbackwards\n", encoding="utf-8")
    return folder


def manifest(folder, rows: list[dict]):
    path = folder / "manifest.jsonl"
    path.write_text("".join(json.dumps({"text": "ask not", "lang": "en", **r}) + "\n" for r in rows), encoding="utf-8")
    return path


def test_rows_are_cut_to_offset_and_duration(evalset):
    path = manifest(
        evalset,
        [
            {"audio_filepath": "five.wav", "offset": 1.0, "duration": 2.0},
            {"audio_filepath": "five.wav"},
            {"audio_filepath": "five.wav", "offset": 4.5, "duration": 2.0},  # runs past the end: 0.5 s
        ],
    )
    transcriber = MeasuringTranscriber()
    run = evaluate([path], transcriber)
    assert transcriber.seconds == [2.0, 5.0, 0.5]
    assert run.n == 3 and run.problems == [] and run.cer == 0.0
    assert [r.id for r in run.rows] == ["set/five.wav@1", "set/five.wav", "set/five.wav@4.5"]
    assert run.manifests[0].rows == 3


def test_cue_timing_is_scored_in_recording_time(evalset):
    path = manifest(
        evalset, [{"audio_filepath": "five.wav", "offset": 1.0, "duration": 2.0, "reference_srt": "ref.srt"}]
    )
    run = evaluate([path], MeasuringTranscriber())
    timing = run.rows[0].timing
    assert (timing.matched, timing.start_ms, timing.end_ms) == (1, 100, 100)  # output cue 1.0-3.0 s vs 1.1-2.9 s
    assert run.start_error_ms == 100.0 and run.end_error_ms == 100.0


def test_bad_rows_are_reported_by_line_and_the_others_still_scored(evalset, tmp_path):
    path = manifest(
        evalset,
        [
            {"audio_filepath": "five.wav", "duration": 1.0},  # 1 good
            {"audio_filepath": "broken.wav"},  # 2 cannot be decoded
            {"audio_filepath": "five.wav", "offset": 9.0},  # 3 offset past the end
            {"audio_filepath": "../elsewhere.wav"},  # 4 leaves the folder
            {"audio_filepath": "five.wav", "reference_srt": "bad.srt"},  # 5 scored, timing not
            {"audio_filepath": "five.wav", "text": "", "lang": "en"},  # 6 empty reference
        ],
    )
    missing = tmp_path / "missing.jsonl"
    run = evaluate([path, missing], MeasuringTranscriber())
    assert [r.line for r in run.rows if r.error is None] == [1, 5]
    assert run.n == 2 and run.failed == 2
    by_line = {p.split(": ", 1)[0]: p for p in run.problems}
    assert f"{path}:2" in by_line and "broken.wav" in by_line[f"{path}:2"]
    assert "past the end" in by_line[f"{path}:3"]
    assert "leaves the manifest's folder" in by_line[f"{path}:4"]
    assert "reference_srt" in by_line[f"{path}:5"] and "timing not scored" in by_line[f"{path}:5"]
    assert "empty reference" in by_line[f"{path}:6"]
    assert any(str(missing) in p and "manifest not found" in p for p in run.problems)
    line5 = next(r for r in run.rows if r.line == 5)
    assert line5.timing is None and line5.cer == 0.0


def test_a_model_that_cannot_load_stops_the_evaluation(evalset):
    path = manifest(evalset, [{"audio_filepath": "five.wav"}])
    with pytest.raises(ModelError):
        evaluate([path], MeasuringTranscriber(fail_with=ModelError("no such model")))
