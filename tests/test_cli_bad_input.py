"""Bad input through the CLI: one clear line naming the file, non-zero exit, nothing lost.

None of these inputs reaches the model (decoding fails first, or VAD finds no
speech), so the tests run without loading it.
"""

from __future__ import annotations

import numpy as np
import pytest

from nishabdham.app.cli import main
from nishabdham.pipeline.cues.subtitles import parse_srt, parse_vtt
from tests.conftest import ffmpeg, write_wav


def run(capsys, *argv):
    code = main(["transcribe", "--no-progress", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, [line for line in err.splitlines() if line.strip()]


@pytest.fixture
def earlier_output(tmp_path):
    """An output directory that already holds a complete set of files for stem 'reading'."""
    out = tmp_path / "subs"
    out.mkdir()
    for suffix, text in (("srt", "1\n00:00:00,000 --> 00:00:01,000\nearlier\n"), ("vtt", "WEBVTT\n"), ("json", "{}\n")):
        (out / f"reading.{suffix}").write_text(text, encoding="utf-8")
    return out


def assert_intact(out):
    assert (out / "reading.srt").read_text(encoding="utf-8") == "1\n00:00:00,000 --> 00:00:01,000\nearlier\n"
    assert (out / "reading.json").read_text(encoding="utf-8") == "{}\n"
    assert not list(out.glob(".*tmp"))


def test_empty_file(capsys, tmp_path, earlier_output):
    bad = tmp_path / "reading.wav"
    bad.write_bytes(b"")
    code, _, err = run(capsys, bad, "--out", earlier_output)
    assert code == 1
    assert err == [f"nishabdham: error: {bad}: file is empty (0 bytes)"]
    assert_intact(earlier_output)


def test_text_file_renamed_wav(capsys, tmp_path, earlier_output):
    bad = tmp_path / "reading.wav"
    bad.write_text("a poem, typed, not recorded\n")
    code, _, err = run(capsys, bad, "--out", earlier_output)
    assert code == 1
    assert len(err) == 1 and err[0].startswith(f"nishabdham: error: {bad}: not a recording ffmpeg can read")
    assert_intact(earlier_output)


def test_truncated_mp3(capsys, jfk, tmp_path, earlier_output):
    full = tmp_path / "full.mp3"
    ffmpeg("-i", str(jfk[0]), "-c:a", "libmp3lame", "-b:a", "96k", str(full))
    bad = tmp_path / "reading.mp3"
    bad.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    code, _, err = run(capsys, bad, "--out", earlier_output)
    assert code == 1
    assert len(err) == 1 and err[0].startswith(f"nishabdham: error: {bad}: truncated or corrupt")
    assert_intact(earlier_output)


def test_file_ffmpeg_cannot_decode(capsys, tmp_path, earlier_output):
    bad = tmp_path / "reading.ogg"
    bad.write_bytes(b"OggS" + bytes(np.random.default_rng(1).integers(0, 255, 4000, dtype=np.uint8)))
    code, _, err = run(capsys, bad, "--out", earlier_output)
    assert code == 1
    assert len(err) == 1 and err[0].startswith(f"nishabdham: error: {bad}: ")
    assert_intact(earlier_output)


def test_missing_path(capsys, tmp_path, earlier_output):
    code, _, err = run(capsys, tmp_path / "reading.flac", "--out", earlier_output)
    assert code == 1
    assert err == [f"nishabdham: error: {tmp_path / 'reading.flac'}: file not found"]
    assert_intact(earlier_output)


def test_output_directory_that_cannot_be_written(capsys, jfk, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    code, _, err = run(capsys, jfk[0], "--out", blocker / "subs")
    assert code == 1
    assert len(err) == 1 and err[0].startswith(
        f"nishabdham: error: {blocker / 'subs'}: output directory cannot be written"
    )


@pytest.mark.parametrize("seconds", [0, 4])
def test_zero_length_or_silence_only_gives_an_empty_valid_file_and_a_warning(capsys, tmp_path, seconds):
    rec = write_wav(tmp_path / "quiet.wav", np.zeros(int(seconds * 16000)))
    code, out, err = run(capsys, rec, "--out", tmp_path / "subs")
    assert code == 0
    assert err == [f"nishabdham: warning: {rec}: no speech found (the recording is silent): the subtitles are empty"]
    assert parse_srt((tmp_path / "subs" / "quiet.srt").read_text(encoding="utf-8")) == []
    assert parse_vtt((tmp_path / "subs" / "quiet.vtt").read_text(encoding="utf-8")) == []
    assert str(tmp_path / "subs" / "quiet.json") in out


def test_one_bad_input_does_not_stop_the_others(capsys, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_text("text")
    quiet = write_wav(tmp_path / "quiet.wav", np.zeros(16000))
    code, out, err = run(capsys, bad, tmp_path / "missing.wav", quiet, "--out", tmp_path / "subs")
    assert code == 1
    assert len([line for line in err if "error" in line]) == 2
    assert (tmp_path / "subs" / "quiet.srt").exists()
    assert not (tmp_path / "subs" / "bad.srt").exists()


def test_unknown_model_is_a_usage_error(capsys, tmp_path, jfk):
    code, _, err = run(capsys, jfk[0], "--out", tmp_path, "--model", "not-a-model")
    assert code == 2
    assert len(err) == 1 and "unknown model 'not-a-model'" in err[0]


def test_bad_setting_in_the_environment_names_the_variable(capsys, tmp_path, jfk, monkeypatch):
    monkeypatch.setenv("NISHABDHAM_RULES__MAX_CPS", "fast")
    code, _, err = run(capsys, jfk[0], "--out", tmp_path)
    assert code == 2
    assert "NISHABDHAM_RULES__MAX_CPS" in err[0]
