"""The speaker stage with the real pyannote.audio and the real segmentation-3.0 checkpoint.

Runs in ``.venv-diar`` (``make test`` builds it and installs the checkpoint). The test
recording is built from the dev data (``tests/diarization_recording.py``): speaker A,
music and applause, speaker B, A joined straight after B, then A and B at once.
End to end, ``--diarize`` runs the built-in pipeline (segmentation-3.0 + CAM++); one test
loads a user's pipeline directory (the MFCC stand-in of ``tests/diarization_pipeline.py``)
through pyannote's interface. DER is measured in ``test_diarization_builtin.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nishabdham.app.cli import main
from nishabdham.errors import ModelError
from tests.conftest import write_wav
from tests.diarization_recording import SR, build

pytestmark = pytest.mark.diarization


@pytest.fixture(scope="module")
def recording(dev_data):
    return build(dev_data)


@pytest.fixture(scope="module")
def checkpoint() -> Path:
    from nishabdham.pipeline.speakers.pyannote_models import segmentation_dir, verify_segmentation

    folder = segmentation_dir()
    verify_segmentation(folder)  # installed by `nishabdham setup --diarization` (make diarization-venv)
    return folder


@pytest.fixture(scope="module")
def activity(recording, checkpoint):
    from nishabdham.pipeline.vad import VadOptions
    from nishabdham.pipeline.vad.pyannote import detect

    return detect(recording.samples, SR, VadOptions(backend="pyannote", speech_pad_ms=0))


@pytest.fixture(scope="module")
def pipeline_dir(tmp_path_factory, checkpoint) -> Path:
    from tests.diarization_pipeline import write_pipeline_dir

    return write_pipeline_dir(tmp_path_factory.mktemp("pipeline"), checkpoint / "pytorch_model.bin")


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


# --------------------------------------------------------------------------- segmentation-3.0


def test_the_checkpoint_loads_as_a_pyannote_powerset_model(checkpoint):
    from nishabdham.pipeline.speakers.pyannote_models import load_segmentation_model

    model = load_segmentation_model(str(checkpoint))
    assert model.specifications.powerset
    assert model.specifications.classes == ["speaker#1", "speaker#2", "speaker#3"]


def test_segmentation_runs_torch_on_the_threads_asked_for_then_restores_them(recording, checkpoint, monkeypatch):
    import torch
    from pyannote.audio import Inference

    from nishabdham.pipeline.vad import VadOptions
    from nishabdham.pipeline.vad.pyannote import detect

    seen, call = [], Inference.__call__
    monkeypatch.setattr(
        Inference, "__call__", lambda self, *a, **k: seen.append(torch.get_num_threads()) or call(self, *a, **k)
    )
    torch.set_num_threads(2)
    detect(recording.samples[: SR * 20], SR, VadOptions(backend="pyannote"))
    detect(recording.samples[: SR * 20], SR, VadOptions(backend="pyannote", pyannote_threads=0))
    assert seen == [1, 2] and torch.get_num_threads() == 2


def test_no_speech_is_found_in_music_or_applause(recording, activity):
    assert activity.speech
    assert not [r for r in activity.speech if overlaps((r.start_ms, r.end_ms), recording.nonspeech)]


def test_overlapped_speech_is_found_where_both_speakers_talk(recording, activity):
    found = sum(overlaps((r.start_ms, r.end_ms), recording.overlap) for r in activity.overlap)
    outside = sum(r.end_ms - r.start_ms for r in activity.overlap) - found
    assert found >= 0.5 * (recording.overlap[1] - recording.overlap[0])
    assert outside <= 1000


def test_a_speaker_change_is_detected_at_the_join(recording, activity):
    assert any(abs(t - recording.join_ms) <= 500 for t in activity.changes_ms), activity.changes_ms


def test_detection_error_rate_is_reported_and_low(recording, activity, artifacts):
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.detection import DetectionErrorRate

    reference, hypothesis = Annotation(), Annotation()
    for turn in recording.turns:
        reference[Segment(turn.start_ms / 1000, turn.end_ms / 1000)] = "speech"
    for region in activity.speech:
        hypothesis[Segment(region.start_ms / 1000, region.end_ms / 1000)] = "speech"
    metric = DetectionErrorRate()
    details = metric(reference.support(), hypothesis, detailed=True)
    report = {k: round(float(v), 4) for k, v in details.items()}
    (artifacts / "diarization_detection.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print("detection error rate (pyannote.metrics):", report)
    assert report["detection error rate"] <= 0.15


# --------------------------------------------------------------------------- diarization pipelines


def test_a_pipeline_directory_loads_through_pyannotes_interface(pipeline_dir, recording):
    from nishabdham.pipeline.speakers.diarize import DiarizeOptions, diarize, load_pipeline

    pipeline = load_pipeline(str(pipeline_dir))
    from pyannote.audio.pipelines import SpeakerDiarization

    assert isinstance(pipeline, SpeakerDiarization)
    turns = diarize(recording.samples, SR, DiarizeOptions(pipeline=str(pipeline_dir)))
    before = [t.speaker for t in turns if t.start_ms <= recording.join_ms - 500 <= t.end_ms]
    after = [t.speaker for t in turns if t.start_ms <= recording.join_ms + 500 <= t.end_ms]
    assert before and after and set(before).isdisjoint(after)
    assert not [t for t in turns if overlaps((t.start_ms, t.end_ms), recording.nonspeech)]


def test_turns_come_from_an_annotation_or_a_diarize_output():
    from pyannote.audio.pipelines.speaker_diarization import DiarizeOutput
    from pyannote.core import Annotation, Segment

    from nishabdham.pipeline.speakers.diarize import SpeakerTurn, turns_of

    annotation = Annotation()
    annotation[Segment(1.0, 2.5)] = "SPEAKER_01"
    annotation[Segment(0.0, 1.2)] = "SPEAKER_00"
    expected = [SpeakerTurn(0, 1200, "SPEAKER_00"), SpeakerTurn(1000, 2500, "SPEAKER_01")]
    assert turns_of(annotation) == expected
    output = DiarizeOutput(
        speaker_diarization=annotation, exclusive_speaker_diarization=annotation, speaker_embeddings=None
    )
    assert turns_of(output) == expected
    with pytest.raises(ModelError, match="not a pyannote Annotation"):
        turns_of({"speakers": []})


def test_a_folder_without_config_is_a_clear_error(tmp_path):
    from nishabdham.pipeline.speakers.diarize import load_pipeline

    with pytest.raises(ModelError, match="no config.yaml") as info:
        load_pipeline(str(tmp_path))
    assert str(tmp_path) in str(info.value)


def test_an_unreachable_hub_pipeline_says_what_to_do(monkeypatch):
    from nishabdham.pipeline.speakers.diarize import load_pipeline

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="model hub") as info:
        load_pipeline("pyannote/speaker-diarization-community-1")
    assert "$HF_TOKEN" in str(info.value) and "local directory" in str(info.value)


# --------------------------------------------------------------------------- end to end


@pytest.mark.model
def test_transcribe_with_pyannote_vad_and_diarization(tmp_path, recording, model):
    wav = write_wav(tmp_path / "evening.wav", recording.samples, SR)
    out = tmp_path / "out"
    code = main(
        [
            "transcribe",
            "--no-progress",
            str(wav),
            "--out",
            str(out),
            "--second-line",
            "none",
            "--vad",
            "pyannote",
            "--diarize",  # the built-in pipeline (segmentation-3.0 + CAM++)
            "--speaker-prefix",
        ]
    )
    assert code == 0
    data = json.loads((out / "evening.json").read_text(encoding="utf-8"))
    cues, ns = data["cues"], recording.nonspeech
    assert data["settings"]["decode"]["vad"]["backend"] == "pyannote"
    assert "speakers" in data["timings_ms"]
    assert cues
    # nothing over the music and applause: no cue, no (hallucinated) word
    assert not [c for c in cues if overlaps((c["start_ms"], c["end_ms"]), ns)]
    assert not [w for s in data["segments"] for w in s["words"] if overlaps((w["start_ms"], w["end_ms"]), ns)]
    # every cue has a speaker, and the speaker changes at the join
    assert all(c["speaker"].startswith("SPEAKER_") for c in cues)
    b1 = [c["speaker"] for c in cues if c["end_ms"] <= recording.join_ms and c["start_ms"] >= ns[1]]
    a2 = [c["speaker"] for c in cues if recording.join_ms <= c["start_ms"] < recording.overlap[0] - 1000]
    assert b1 and a2 and set(b1).isdisjoint(a2), cues
    srt = (out / "evening.srt").read_text(encoding="utf-8")
    first_lines = [block.splitlines()[2] for block in srt.strip().split("\n\n")]
    assert all(line.startswith("SPEAKER_") and ": " in line for line in first_lines)
