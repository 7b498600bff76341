"""Audio normalization: anything ffmpeg reads in, 16 kHz mono float32 out.

The stage decodes through ffmpeg (located and probed with pydub), streaming
blocks so memory grows with the 16 kHz mono result, never with the source's
sample rate or channel count. On the way through it removes DC offset and
low-frequency rumble (a Butterworth high-pass), measures integrated loudness
(ITU-R BS.1770 K-weighting and gating, with pyloudnorm's filter design), and
afterwards applies one gain to reach the target level, with a soft limiter so
that nothing clips. Leading and trailing silence are measured with librosa.
"""

from __future__ import annotations

import json
import logging
import math
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from nishabdham.errors import AudioDecodeError, InputError
from nishabdham.types import AudioReport

log = logging.getLogger(__name__)

_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0
_MIN_LOUDNESS_LUFS = -70.0


@dataclass(frozen=True, slots=True)
class NormalizeOptions:
    """Options of the audio normalization stage."""

    sample_rate: int = 16000
    """Output sample rate in Hz (Whisper expects 16000)."""
    target_lufs: float = -20.0
    """Integrated loudness the recording is brought to (LUFS)."""
    max_gain_db: float = 30.0
    """Largest gain applied to a quiet recording, so hiss is not blown up."""
    highpass_hz: float = 60.0
    """Corner of the high-pass filter that removes DC offset and rumble; 0 disables it."""
    peak_ceiling_dbfs: float = -1.0
    """Samples above this level after gain go through a soft limiter."""
    silence_top_db: float = 45.0
    """Frames this many dB below the recording's loudest frame count as silence."""
    truncation_tolerance: float = 0.05
    """Decoded audio may fall short of the container's duration by this share (and 1 s) before the file counts as truncated."""


@dataclass(frozen=True)
class Audio:
    """A decoded, normalized recording."""

    samples: np.ndarray
    sample_rate: int
    report: AudioReport
    warnings: tuple[str, ...] = ()

    @property
    def duration_ms(self) -> int:
        return int(round(1000 * len(self.samples) / self.sample_rate))

    def slice_ms(self, start_ms: int, end_ms: int) -> np.ndarray:
        """The samples between two times (clamped to the recording)."""
        lo = max(0, int(start_ms * self.sample_rate // 1000))
        hi = min(len(self.samples), int(math.ceil(end_ms * self.sample_rate / 1000)))
        return self.samples[lo:hi]


def load_audio(path: str | Path, options: NormalizeOptions = NormalizeOptions()) -> Audio:
    """Decode and normalize one recording; raise InputError for bad input."""
    path = Path(path)
    _check_readable(path)
    info = probe(path)
    decoder = _StreamingDecoder(path, options, info["channels"], info.get("duration"))
    samples, dc_offset, ffmpeg_warnings = decoder.run()
    warnings = list(ffmpeg_warnings)
    _check_complete(path, info, len(samples) / options.sample_rate, options)

    loudness_in = decoder.meter.integrated()
    gain_db = _gain_for(loudness_in, options)
    limited = _apply_gain(samples, gain_db, options.peak_ceiling_dbfs)
    lead_ms, trail_ms = measure_silence(samples, options.sample_rate, options.silence_top_db)
    report = AudioReport(
        source_format=info["format"],
        source_sample_rate=info["sample_rate"],
        source_channels=info["channels"],
        duration_ms=int(round(1000 * len(samples) / options.sample_rate)),
        input_loudness_lufs=_round(loudness_in),
        output_loudness_lufs=_round(measure_loudness(samples, options.sample_rate)),
        gain_db=round(gain_db, 2),
        dc_offset=round(dc_offset, 6),
        peak_dbfs=_round(_dbfs(max(float(samples.max()), -float(samples.min()))) if len(samples) else None),
        limited_samples=limited,
        leading_silence_ms=lead_ms,
        trailing_silence_ms=trail_ms,
    )
    log.info(
        "%s: %.1f s, %s LUFS -> gain %+.1f dB, silence %d ms / %d ms",
        path.name,
        len(samples) / options.sample_rate,
        report.input_loudness_lufs,
        gain_db,
        lead_ms,
        trail_ms,
    )
    return Audio(samples, options.sample_rate, report, tuple(warnings))


def with_speech(audio: Audio, speech_ms: int) -> Audio:
    """The same audio with the VAD's speech total recorded in its report."""
    return replace(audio, report=replace(audio.report, speech_ms=speech_ms))


# --------------------------------------------------------------------------- probing


def ffmpeg_binary() -> str:
    """The ffmpeg executable pydub uses (it honours pydub's own configuration)."""
    from pydub import AudioSegment

    return AudioSegment.converter


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.is_dir():
        raise InputError("is a directory, not a recording", path=path)
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", path=path) from exc
    if size == 0:
        raise InputError("file is empty (0 bytes)", path=path)


def probe(path: Path) -> dict:
    """Container facts from ffprobe (via pydub), or AudioDecodeError."""
    from pydub.utils import get_prober_name

    cmd = [get_prober_name(), "-v", "error", "-of", "json", "-show_format", "-show_streams", str(path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    except FileNotFoundError as exc:
        raise InputError("ffprobe is not installed; run `make setup` or install ffmpeg", path=path) from exc
    err = _last_line(proc.stderr)
    if proc.returncode != 0:
        raise AudioDecodeError(f"not a recording ffmpeg can read ({err or 'unknown format'})", path=path)
    data = json.loads(proc.stdout or b"{}")
    streams = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise AudioDecodeError("has no audio track", path=path)
    stream, fmt = streams[0], data.get("format", {})
    duration = _float(stream.get("duration")) or _float(fmt.get("duration"))
    return {
        "format": fmt.get("format_name", ""),
        "codec": stream.get("codec_name", ""),
        "sample_rate": int(_float(stream.get("sample_rate")) or 0),
        "channels": int(stream.get("channels") or 0),
        "duration": duration,
    }


def _check_complete(path: Path, info: dict, decoded_s: float, options: NormalizeOptions) -> None:
    declared = info.get("duration")
    if not declared or declared <= 0:
        return
    missing = declared - decoded_s
    if missing > max(1.0, options.truncation_tolerance * declared):
        raise AudioDecodeError(
            f"truncated or corrupt: the file declares {declared:.1f} s but only "
            f"{decoded_s:.1f} s of audio could be decoded",
            path=path,
        )


# --------------------------------------------------------------------------- decoding


class _StreamingDecoder:
    """ffmpeg -> f32le pipe, filtered and measured block by block."""

    block_samples = 1 << 18  # 16 s at 16 kHz

    def __init__(self, path: Path, options: NormalizeOptions, channels: int, duration_s: float | None = None) -> None:
        self.path = path
        self.options = options
        self.channels = channels
        self.expected = int((duration_s + 1.0) * options.sample_rate) if duration_s else 0
        self.meter = LoudnessMeter(options.sample_rate)
        self._highpass = _Highpass(options.highpass_hz, options.sample_rate)

    def run(self) -> tuple[np.ndarray, float, list[str]]:
        cmd = [
            ffmpeg_binary(), "-nostdin", "-hide_banner", "-v", "error", "-i", str(self.path),
            "-map", "0:a:0", "-vn", "-sn", "-dn",
            *_downmix(self.channels), "-ar", str(self.options.sample_rate), "-f", "f32le", "pipe:1",
        ]  # fmt: skip
        with tempfile.TemporaryFile() as errfile:
            try:
                proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errfile)
            except FileNotFoundError as exc:
                raise InputError("ffmpeg is not installed; run `make setup`", path=self.path) from exc
            try:
                buffer, total, dc_sum = self._read(proc)
            except BaseException:  # an error, Ctrl-C or a worker's time limit: never leave ffmpeg behind
                proc.kill()
                proc.wait()
                raise
            finally:
                proc.stdout.close()
            errfile.seek(0)
            errors = errfile.read().decode("utf-8", "replace").strip().splitlines()
        if proc.returncode != 0:
            raise AudioDecodeError(f"ffmpeg could not decode it ({_tail(errors)})", path=self.path)
        warnings = [f"ffmpeg: {line}" for line in errors[-3:]]
        return buffer.array(), (dc_sum / total if total else 0.0), warnings

    def _read(self, proc: subprocess.Popen) -> tuple[_GrowingBuffer, int, float]:
        """Filter, meter and keep ffmpeg's output block by block, then wait for it to exit."""
        buffer, total, dc_sum = _GrowingBuffer(self.expected), 0, 0.0
        assert proc.stdout is not None
        while chunk := proc.stdout.read(4 * self.block_samples):
            block = np.frombuffer(chunk[: len(chunk) // 4 * 4], dtype="<f4").astype(np.float32)
            dc_sum += float(block.sum(dtype=np.float64))
            total += len(block)
            block = self._highpass(block)
            self.meter.add(block)
            buffer.append(block)
        proc.wait()
        return buffer, total, dc_sum


def _downmix(channels: int) -> list[str]:
    """ffmpeg arguments for mono: the plain average of all channels (ffmpeg's own -ac 1 adds 3 dB to stereo)."""
    if channels <= 1:
        return ["-ac", "1"]
    weights = "+".join(f"{1 / channels:.6f}*c{i}" for i in range(channels))
    return ["-af", f"pan=mono|c0={weights}"]


class _GrowingBuffer:
    """A float32 array sized from the container's duration, doubling only if that was short.

    The result is a view: the unused tail was never written, so it takes no memory, and a
    60-minute recording is never held twice.
    """

    def __init__(self, expected: int = 0) -> None:
        self._data = np.empty(max(expected, 1 << 20), dtype=np.float32)
        self._size = 0

    def append(self, block: np.ndarray) -> None:
        need = self._size + len(block)
        if need > len(self._data):
            grown = np.empty(max(need, 2 * len(self._data)), dtype=np.float32)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : need] = block
        self._size = need

    def array(self) -> np.ndarray:
        return self._data[: self._size]


class _Highpass:
    """A 4th-order Butterworth high-pass (24 dB/octave) whose state carries across blocks."""

    def __init__(self, corner_hz: float, sample_rate: int) -> None:
        self.sos = None
        if corner_hz > 0:
            from scipy.signal import butter

            self.sos = butter(4, corner_hz, btype="highpass", fs=sample_rate, output="sos")
            self.zi = np.zeros((self.sos.shape[0], 2))

    def __call__(self, block: np.ndarray) -> np.ndarray:
        if self.sos is None or not len(block):
            return block
        from scipy.signal import sosfilt

        out, self.zi = sosfilt(self.sos, block, zi=self.zi)
        return out.astype(np.float32)


# --------------------------------------------------------------------------- loudness


class LoudnessMeter:
    """Streaming ITU-R BS.1770-4 integrated loudness of a mono signal.

    K-weighting coefficients come from pyloudnorm; mean squares are kept per
    100 ms step so 400 ms gating blocks with 75 % overlap can be formed at the
    end without holding the weighted signal in memory.
    """

    def __init__(self, sample_rate: int) -> None:
        import pyloudnorm

        meter = pyloudnorm.Meter(sample_rate)
        self._stages = [(f.b, f.a, f.passband_gain) for f in meter._filters.values()]
        self._zi = [np.zeros(2) for _ in self._stages]
        self._step = sample_rate // 10
        self._carry = np.empty(0, dtype=np.float64)
        self._steps: list[float] = []

    def add(self, block: np.ndarray) -> None:
        from scipy.signal import lfilter

        x = block.astype(np.float64)
        for i, (b, a, gain) in enumerate(self._stages):
            x, self._zi[i] = lfilter(b, a, x, zi=self._zi[i])
            x = gain * x
        x = np.concatenate([self._carry, x])
        whole = len(x) // self._step * self._step
        if whole:
            self._steps.extend(np.mean(x[:whole].reshape(-1, self._step) ** 2, axis=1).tolist())
        self._carry = x[whole:]

    def integrated(self) -> float | None:
        """Integrated loudness in LUFS, or None when nothing passes the gates."""
        steps = np.asarray(self._steps)
        if len(steps) < 4:
            return None
        blocks = (steps[:-3] + steps[1:-2] + steps[2:-1] + steps[3:]) / 4.0
        with np.errstate(divide="ignore"):
            levels = -0.691 + 10.0 * np.log10(blocks)
        gated = blocks[levels > _ABSOLUTE_GATE_LUFS]
        if not len(gated):
            return None
        relative = -0.691 + 10.0 * np.log10(gated.mean()) + _RELATIVE_GATE_LU
        final = blocks[(levels > _ABSOLUTE_GATE_LUFS) & (levels > relative)]
        return float(-0.691 + 10.0 * np.log10(final.mean())) if len(final) else None


def measure_loudness(samples: np.ndarray, sample_rate: int) -> float | None:
    """Integrated loudness of an array, computed block by block."""
    meter = LoudnessMeter(sample_rate)
    for start in range(0, len(samples), 1 << 18):
        meter.add(samples[start : start + (1 << 18)])
    return meter.integrated()


def _gain_for(loudness: float | None, options: NormalizeOptions) -> float:
    if loudness is None or loudness < _MIN_LOUDNESS_LUFS:
        return 0.0
    return float(np.clip(options.target_lufs - loudness, -options.max_gain_db, options.max_gain_db))


def _apply_gain(samples: np.ndarray, gain_db: float, ceiling_dbfs: float) -> int:
    """Scale in place; softly limit what would exceed the ceiling. Returns how many samples were limited."""
    if gain_db:
        samples *= np.float32(10 ** (gain_db / 20))
    ceiling = 10 ** (ceiling_dbfs / 20)
    knee = 0.9 * ceiling
    limited = 0
    for start in range(0, len(samples), 1 << 18):
        block = samples[start : start + (1 << 18)]
        over = np.abs(block) > knee
        count = int(np.count_nonzero(over))
        if count:
            limited += count
            excess = (np.abs(block[over]) - knee) / (ceiling - knee)
            block[over] = np.sign(block[over]) * (knee + (ceiling - knee) * np.tanh(excess))
    return limited


# --------------------------------------------------------------------------- silence


def measure_silence(samples: np.ndarray, sample_rate: int, top_db: float, window_s: float = 60.0) -> tuple[int, int]:
    """Leading and trailing silence in ms, measured with librosa.

    librosa's trim works on a window at each end (memory stays bounded on long
    recordings) against one absolute reference: the loudest frame of the whole
    recording, so a silent window is not measured against its own noise.
    """
    if not len(samples):
        return 0, 0
    frame, hop = 2048, 512
    ref = _peak_rms(samples, frame, hop)
    if ref <= 1e-6:
        n = int(round(1000 * len(samples) / sample_rate))
        return n, n
    win = int(window_s * sample_rate)

    def trim_index(y: np.ndarray) -> tuple[int, int]:
        return _trim_index(y, top_db, ref, frame, hop)

    lead = _edge_silence(samples, win, trim_index)
    trail = _edge_silence(samples[::-1], win, trim_index)
    to_ms = 1000 / sample_rate
    return int(round(lead * to_ms)), int(round(trail * to_ms))


def _trim_index(y: np.ndarray, top_db: float, ref: float, frame: int, hop: int) -> tuple[int, int]:
    """``librosa.effects.trim(y, ...)[1]``, computed with the librosa functions trim itself calls.

    Importing ``librosa.effects`` also imports its source separation, and with it scikit-learn,
    pandas and pyarrow: about 110 MB resident in every worker process for nothing this stage
    uses (docs/MEMORY.md). ``librosa.feature`` and ``librosa.core`` are what trim runs on;
    ``tests/test_audio.py`` checks that the result is trim's, sample for sample.
    """
    import librosa

    rms = librosa.feature.rms(y=y, frame_length=frame, hop_length=hop)
    loud = np.flatnonzero(librosa.amplitude_to_db(rms[..., 0, :], ref=ref, top_db=None) > -top_db)
    if not loud.size:
        return 0, 0
    start = int(librosa.frames_to_samples(loud[0], hop_length=hop))
    return start, min(len(y), int(librosa.frames_to_samples(loud[-1] + 1, hop_length=hop)))


def _edge_silence(samples: np.ndarray, window: int, trim_index) -> int:
    """Samples of silence at the start of ``samples``, scanning window by window."""
    offset = 0
    while offset < len(samples):
        chunk = np.ascontiguousarray(samples[offset : offset + window])
        start, end = trim_index(chunk)
        if end > start:
            return offset + int(start)
        offset += window
    return len(samples)


def _peak_rms(samples: np.ndarray, frame: int, hop: int) -> float:
    """Loudest frame RMS, computed in blocks (no framed copy of the whole signal)."""
    peak = 0.0
    block = frame * 256
    for start in range(0, len(samples), block - frame):
        chunk = samples[start : start + block]
        if len(chunk) < frame:
            chunk = np.pad(chunk, (0, frame - len(chunk)))
        frames = np.lib.stride_tricks.sliding_window_view(chunk, frame)[::hop]
        peak = max(peak, float(np.sqrt(np.max(np.mean(frames.astype(np.float64) ** 2, axis=1)))))
    return peak


# --------------------------------------------------------------------------- helpers


def _dbfs(value: float) -> float | None:
    return 20 * math.log10(value) if value > 0 else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return _tail(lines)


def _tail(lines: list[str]) -> str:
    return lines[-1].strip() if lines else ""
