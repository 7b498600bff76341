"""Audio normalization: formats in, 16 kHz mono out, loudness, rumble, silence, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from nishabdham.errors import AudioDecodeError, InputError
from nishabdham.pipeline.audio import NormalizeOptions, load_audio, measure_loudness
from tests.conftest import ffmpeg, tone, write_wav


@pytest.fixture(scope="module")
def speechlike(tmp_path_factory):
    """2 s silence, 4 s of a quiet harmonic tone with DC offset and 30 Hz rumble, 1.5 s silence, at 44.1 kHz stereo."""
    sr = 44100
    folder = tmp_path_factory.mktemp("audio")
    body = tone(220, 4, 0.02, sr) + tone(440, 4, 0.01, sr) + tone(30, 4, 0.05, sr) + 0.1
    signal = np.concatenate([np.zeros(2 * sr), body, np.zeros(int(1.5 * sr))]).astype(np.float32)
    stereo = np.stack([signal, signal], axis=1)
    import soundfile

    path = folder / "quiet.wav"
    soundfile.write(str(path), stereo, sr, subtype="FLOAT")
    return path


def test_output_is_16k_mono_float32_with_the_right_length(speechlike):
    audio = load_audio(speechlike)
    assert audio.sample_rate == 16000
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert abs(audio.duration_ms - 7500) <= 5
    assert audio.report.source_sample_rate == 44100 and audio.report.source_channels == 2


def test_loudness_is_brought_to_the_target(speechlike):
    audio = load_audio(speechlike, NormalizeOptions(target_lufs=-20.0))
    assert audio.report.input_loudness_lufs < -30
    assert audio.report.output_loudness_lufs == pytest.approx(-20.0, abs=0.5)
    assert audio.report.gain_db > 5


def test_dc_offset_and_rumble_are_removed(speechlike):
    audio = load_audio(speechlike)
    body = audio.samples[int(2.5 * 16000) : int(5.5 * 16000)]
    assert audio.report.dc_offset == pytest.approx(0.1 * 4 / 7.5, abs=0.01)
    assert abs(float(body.mean())) < 1e-3
    spectrum = np.abs(np.fft.rfft(body))
    freqs = np.fft.rfftfreq(len(body), 1 / 16000)
    rumble = spectrum[np.argmin(np.abs(freqs - 30))]
    voice = spectrum[np.argmin(np.abs(freqs - 220))]
    # in the input the 30 Hz rumble is 2.5x the 220 Hz tone; after the high-pass it is far below it
    assert rumble < 0.5 * voice


def test_leading_and_trailing_silence_are_measured(speechlike):
    audio = load_audio(speechlike)
    assert audio.report.leading_silence_ms == pytest.approx(2000, abs=150)
    assert audio.report.trailing_silence_ms == pytest.approx(1500, abs=150)


@pytest.mark.parametrize("seed", range(12))
def test_edge_silence_is_librosas_trim_sample_for_sample(seed):
    """The stage measures silence with the librosa functions trim runs on (not librosa.effects: 110 MB)."""
    import librosa.effects

    from nishabdham.pipeline.audio import _trim_index

    rng = np.random.default_rng(seed)
    y = np.zeros(int(rng.integers(1_000, 200_000)), dtype=np.float32)
    for _ in range(int(rng.integers(0, 4))):  # bursts of noise at random levels, places and lengths
        start = int(rng.integers(0, len(y)))
        length = int(rng.integers(100, 40_000))
        y[start : start + length] += rng.normal(0, 10 ** rng.uniform(-4, -0.5), len(y[start : start + length]))
    ref = float(rng.uniform(0.01, 0.5))
    top_db = float(rng.choice([20.0, 40.0, 60.0]))
    expected = librosa.effects.trim(y, top_db=top_db, ref=ref, frame_length=2048, hop_length=512)[1]
    assert _trim_index(y, top_db, ref, 2048, 512) == tuple(int(v) for v in expected)


def test_measuring_silence_leaves_librosa_effects_unimported(speechlike):
    """librosa.effects imports scikit-learn, pandas and pyarrow: about 110 MB in every worker process."""
    import subprocess
    import sys

    code = (
        "import sys; from nishabdham.pipeline.audio import load_audio; "
        f"load_audio({str(speechlike)!r}); "
        "print(sorted(m for m in ('librosa.effects', 'sklearn', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_loud_input_is_limited_not_clipped(tmp_path):
    path = write_wav(tmp_path / "loud.wav", np.clip(tone(300, 3, 1.2), -1, 1) * 0.999)
    audio = load_audio(path, NormalizeOptions(target_lufs=-5.0))
    assert float(np.max(np.abs(audio.samples))) <= 10 ** (-1 / 20) + 1e-6


def test_streaming_loudness_matches_pyloudnorm(tmp_path):
    import pyloudnorm

    rng = np.random.default_rng(0)
    signal = (0.05 * rng.standard_normal(16000 * 5)).astype(np.float32)
    signal[16000:24000] *= 4
    expected = pyloudnorm.Meter(16000).integrated_loudness(signal.astype(np.float64))
    assert measure_loudness(signal, 16000) == pytest.approx(expected, abs=0.05)


@pytest.mark.parametrize(
    "suffix, args",
    [
        ("mp3", ["-c:a", "libmp3lame", "-b:a", "64k"]),
        ("m4a", ["-c:a", "aac", "-b:a", "64k"]),
        ("ogg", ["-c:a", "libvorbis"]),
        ("opus", ["-c:a", "libopus", "-b:a", "32k"]),
        ("flac", ["-c:a", "flac"]),
    ],
)
def test_common_audio_formats_decode(jfk, tmp_path, suffix, args):
    target = tmp_path / f"jfk.{suffix}"
    ffmpeg("-i", str(jfk[0]), *args, str(target))
    audio = load_audio(target)
    assert abs(audio.duration_ms - 11_000) < 150
    assert audio.report.output_loudness_lufs == pytest.approx(-20.0, abs=1.0)


def test_video_file_with_an_audio_track_decodes(jfk, tmp_path):
    target = tmp_path / "reading.mp4"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=64x64:d=11",
        "-i",
        str(jfk[0]),
        "-shortest",
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        str(target),
    )
    assert abs(load_audio(target).duration_ms - 11_000) < 200


# --------------------------------------------------------------------------- bad input


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="missing.wav: file not found"):
        load_audio(tmp_path / "missing.wav")


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(InputError, match=r"empty.wav: file is empty"):
        load_audio(tmp_path / "empty.wav")


def test_text_file_renamed_wav(tmp_path):
    (tmp_path / "notes.wav").write_text("these are not sounds\n")
    with pytest.raises(AudioDecodeError, match=r"notes.wav: not a recording ffmpeg can read"):
        load_audio(tmp_path / "notes.wav")


def test_truncated_mp3(jfk, tmp_path):
    full = tmp_path / "full.mp3"
    ffmpeg("-i", str(jfk[0]), "-c:a", "libmp3lame", "-b:a", "128k", str(full))
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 3])
    with pytest.raises(AudioDecodeError, match=r"cut.mp3: truncated or corrupt"):
        load_audio(cut)


def test_video_without_audio(tmp_path):
    target = tmp_path / "silent-film.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=black:s=64x64:d=2", "-c:v", "libx264", str(target))
    with pytest.raises(AudioDecodeError, match="has no audio track"):
        load_audio(target)


def test_directory_is_not_a_recording(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        load_audio(tmp_path)


def test_zero_length_recording_decodes_to_nothing(tmp_path):
    path = write_wav(tmp_path / "zero.wav", np.zeros(0))
    audio = load_audio(path)
    assert len(audio.samples) == 0 and audio.duration_ms == 0


def test_ffmpeg_is_stopped_when_decoding_fails_midway(tmp_path, monkeypatch):
    """An error while the audio streams in (here: in the high-pass filter) leaves no ffmpeg behind."""
    import subprocess

    import nishabdham.pipeline.audio as audio_module

    path = write_wav(tmp_path / "long.wav", tone(220, 60, 0.1))  # 60 s: far more than a pipe buffer holds
    started = []
    real_popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    def failing_filter(self, block):
        raise RuntimeError("filter failed")

    monkeypatch.setattr(audio_module.subprocess, "Popen", recording_popen)
    monkeypatch.setattr(audio_module._Highpass, "__call__", failing_filter)
    with pytest.raises(RuntimeError, match="filter failed"):
        load_audio(path)
    decoders = [proc for proc in started if "ffmpeg" in str(proc.args[0])]
    assert len(decoders) == 1
    assert decoders[0].poll() is not None  # killed and reaped, not left blocked on a full pipe
