"""Audio for review: a cached 16 kHz copy, exact cue slices, and a waveform envelope.

``st.audio`` rounds ``start_time`` down to whole seconds, so a cue is played
from its own slice of the recording instead. The recording is normalized once
(as the model heard it) into ``audio.wav`` beside the review versions, with a
min/max envelope (``peaks.npy``, 50 values a second) for the waveform; after
that, opening the page reads only the few samples it shows.
"""

from __future__ import annotations

import io
import logging
import threading
from pathlib import Path

import numpy as np

from nishabdham.errors import InputError, NishabdhamError, OutputError
from nishabdham.files import atomic_write
from nishabdham.pipeline.audio import NormalizeOptions, load_audio

log = logging.getLogger(__name__)

PEAKS_PER_SECOND = 50
AUDIO_NAME = "audio.wav"
PEAKS_NAME = "peaks.npy"


def prepare_review_audio(
    source: str | Path, folder: str | Path, options: NormalizeOptions = NormalizeOptions()
) -> Path:
    """Make (once) the review copy of ``source`` and its envelope in ``folder``; return the copy's path."""
    folder = Path(folder)
    target, peaks = folder / AUDIO_NAME, folder / PEAKS_NAME
    if target.is_file() and peaks.is_file():
        return target
    audio = load_audio(source, options)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _atomic(target, lambda handle: _write_wav(handle, audio.samples, audio.sample_rate))
        _atomic(peaks, lambda handle: np.save(handle, envelope(audio.samples, audio.sample_rate)))
    except OSError as exc:
        raise OutputError(f"cannot write the review audio ({exc.strerror or exc})", path=folder) from exc
    browser_audio(folder)
    log.info("review audio for %s ready (%.1f s)", source, len(audio.samples) / audio.sample_rate)
    return target


def review_audio_ready(folder: str | Path) -> bool:
    return (Path(folder) / AUDIO_NAME).is_file() and (Path(folder) / PEAKS_NAME).is_file()


_preparing: dict[str, threading.Event] = {}
_preparing_lock = threading.Lock()


def prepare_in_background(
    source: str | Path, folder: str | Path, options: NormalizeOptions = NormalizeOptions()
) -> bool:
    """Start preparing the review audio in a thread, once per folder; False when there is nothing to do."""
    key = str(Path(folder).resolve())
    with _preparing_lock:
        if key in _preparing or review_audio_ready(folder):
            return False
        done = _preparing[key] = threading.Event()

    def run() -> None:
        try:
            prepare_review_audio(source, folder, options)
        except NishabdhamError as exc:
            log.warning("review audio not prepared: %s", exc)
        finally:
            done.set()
            with _preparing_lock:
                _preparing.pop(key, None)

    threading.Thread(target=run, name=f"review-audio-{Path(folder).name}", daemon=True).start()
    return True


def ensure_review_audio(source: str | Path, folder: str | Path, options: NormalizeOptions = NormalizeOptions()) -> Path:
    """The review audio, waiting for a preparation already under way instead of starting a second one."""
    with _preparing_lock:
        running = _preparing.get(str(Path(folder).resolve()))
    if running is not None:
        running.wait()
    return prepare_review_audio(source, folder, options)


def _atomic(path: Path, write) -> None:
    atomic_write(path, write, binary=True)


def _write_wav(handle, samples: np.ndarray, sample_rate: int) -> None:
    import soundfile

    soundfile.write(handle, np.asarray(samples, dtype=np.float32), sample_rate, subtype="PCM_16", format="WAV")


def envelope(samples: np.ndarray, sample_rate: int, per_second: int = PEAKS_PER_SECOND) -> np.ndarray:
    """Min and max of every 1/``per_second`` s block: shape (blocks, 2), float16."""
    block = max(1, sample_rate // per_second)
    count = int(np.ceil(len(samples) / block))
    padded = np.zeros(count * block, dtype=np.float32)
    padded[: len(samples)] = samples
    blocks = padded.reshape(count, block) if count else padded.reshape(0, block)
    return np.stack([blocks.min(axis=1), blocks.max(axis=1)], axis=1).astype(np.float16)


def load_peaks(folder: str | Path) -> np.ndarray:
    path = Path(folder) / PEAKS_NAME
    try:
        return np.load(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"waveform data cannot be read ({exc})", path=path) from exc


def read_span(wav: str | Path, start_ms: int, end_ms: int) -> tuple[np.ndarray, int]:
    """The samples of ``wav`` between two times (clamped to the file), and the sample rate."""
    import soundfile

    try:
        info = soundfile.info(str(wav))
        lo = max(0, int(start_ms * info.samplerate // 1000))
        hi = min(info.frames, int(np.ceil(end_ms * info.samplerate / 1000)))
        samples, rate = soundfile.read(str(wav), start=lo, stop=max(lo, hi), dtype="float32", always_2d=False)
    except (OSError, RuntimeError) as exc:
        raise InputError(f"review audio cannot be read ({exc})", path=wav) from exc
    return samples, rate


def clip_wav_bytes(wav: str | Path, start_ms: int, end_ms: int) -> bytes:
    """A WAV file (bytes) of exactly the span from ``start_ms`` to ``end_ms``: what a cue's player plays."""
    samples, rate = read_span(wav, start_ms, end_ms)
    buffer = io.BytesIO()
    _write_wav(buffer, samples, rate)
    return buffer.getvalue()


def write_clip(wav: str | Path, start_ms: int, end_ms: int, target: str | Path) -> float:
    """Write the span as its own WAV file; returns its duration in seconds."""
    samples, rate = read_span(wav, start_ms, end_ms)
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _atomic(target, lambda handle: _write_wav(handle, samples, rate))
    except OSError as exc:
        raise OutputError(f"cannot write an evaluation clip ({exc.strerror or exc})", path=target) from exc
    return len(samples) / rate


BROWSER_AUDIO = "audio.ogg"


def browser_audio(folder: str | Path) -> tuple[Path, str]:
    """The review audio as the waveform editor streams it: Opus (~15 MB an hour), made once; the WAV
    when ffmpeg cannot make it. Returns (path, MIME type)."""
    import subprocess

    from nishabdham.pipeline.audio import ffmpeg_binary

    folder = Path(folder)
    target = folder / BROWSER_AUDIO
    if target.is_file():
        return target, "audio/ogg"
    partial = folder / f".{BROWSER_AUDIO}.part"
    command = [ffmpeg_binary(), "-nostdin", "-v", "error", "-y", "-i", str(folder / AUDIO_NAME)]
    command += ["-c:a", "libopus", "-b:a", "32k", "-f", "ogg", str(partial)]
    try:
        subprocess.run(command, check=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=600)
        partial.replace(target)
    except (OSError, subprocess.SubprocessError, NishabdhamError) as exc:
        log.warning("no Opus copy of %s for the browser (%s); the waveform streams the WAV", folder, exc)
        partial.unlink(missing_ok=True)
        return folder / AUDIO_NAME, "audio/wav"
    return target, "audio/ogg"


def peaks_for_browser(peaks: np.ndarray) -> list[float]:
    """The envelope as the waveform editor draws it: min and max of each block, interleaved, 3 decimals."""
    return np.round(peaks.astype(np.float32).reshape(-1), 3).tolist()
