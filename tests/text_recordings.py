"""Readings built from dev clips, with their build times: the test and bench data of the known-text feature.

Each clip is trimmed of its own leading and trailing silence (everything 30 dB below its
peak; at 35 dB one clip keeps a 1.9 s tail of noise that Silero does not call speech) and
joined with pauses of silence. Where each clip lies in the reading is its *build time*.

The build time is not always where the reader speaks: two cv_te_spkA clips hold non-speech
inside the trim. Clip 42973996 starts with a click (-43 dBFS, 90 ms) and 0.8 s of room
noise (-55 to -67 dBFS) before the voice comes in at -20 dBFS, 0.92 s in; clip 42973997 ends
with two steady tones after the voice has died away (293.8 Hz and 392 Hz, D4 and G4, at -33
to -47 dBFS for 0.8 s; the reader's voice is 190-240 Hz): a chime, not the reader. A
subtitle should start and end with the voice, so the timing reference is
:func:`speech_edges`, measured on the clip alone with nothing of the system under test
(no Silero, no Whisper): :attr:`Placed.speech_start_ms` and :attr:`Placed.speech_end_ms`.
On every other dev clip (the ten held-out cv_te_spkC ones included) it stays within 20 ms
of the trim; on 42973997 it ends 0.72 s before the trim (the chime's first 0.1 s overlaps
the voice's decay and stays in). ``tests/test_align.py`` holds these figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
_HOP = SAMPLE_RATE // 100  # 10 ms frames
LOUD_DB = 30
"""A frame within this much of the clip's loudest is sound (the trim's own measure)."""
SYLLABLE_MS = 100
"""A run of voice at least this long is speech for certain (a syllable's nucleus; a click is shorter)."""
LINK_MS = 300
"""Sound this close to the speech belongs to it (an initial fricative before its vowel, a final consonant)."""
VOICE_PARTIALS = 3
"""A voice is a harmonic series: most voiced frames of a run have at least this many partials
within 30 dB of their strongest below 4 kHz (the dev voices: 3-15; a chime or beep: 1-2)."""


@dataclass(frozen=True)
class Placed:
    """A clip in a built reading: its text, where it lies (build time) and where its voice is."""

    text: str
    start_ms: int
    end_ms: int
    speech_start_ms: int = 0
    speech_end_ms: int = 0


def trimmed(path: Path) -> np.ndarray:
    import librosa

    samples, _ = librosa.load(str(path), sr=SAMPLE_RATE, mono=True)
    core, _ = librosa.effects.trim(samples, top_db=30, frame_length=512, hop_length=128)
    return core


@lru_cache(maxsize=64)
def clip_speech_edges(path: str) -> tuple[int, int]:
    """:func:`speech_edges` of a trimmed dev clip (measured once per clip)."""
    return speech_edges(trimmed(Path(path)))


def speech_edges(samples: np.ndarray) -> tuple[int, int]:
    """Where the voice starts and ends in a clip (ms from its start), from its sound alone.

    Runs of 10 ms frames within :data:`LOUD_DB` of the loudest are sound. A run whose voiced
    frames (pYIN) have fewer than :data:`VOICE_PARTIALS` partials is a tone, not a voice; a run
    with no voiced frame is noise-like (a fricative, a burst, a click). Speech runs from the
    first to the last voiced run of at least :data:`SYLLABLE_MS`, widened over sound that is
    not a tone and lies within :data:`LINK_MS` of it.
    """
    runs = _runs(samples)
    anchors = [i for i, (a, b, kind) in enumerate(runs) if kind == "voice" and b - a >= SYLLABLE_MS]
    if not anchors:
        return 0, len(samples) * 1000 // SAMPLE_RATE
    first, last = anchors[0], anchors[-1]
    while first > 0 and runs[first - 1][2] != "tone" and runs[first][0] - runs[first - 1][1] <= LINK_MS:
        first -= 1
    while last + 1 < len(runs) and runs[last + 1][2] != "tone" and runs[last + 1][0] - runs[last][1] <= LINK_MS:
        last += 1
    return runs[first][0], runs[last][1]


def _runs(samples: np.ndarray) -> list[tuple[int, int, str]]:
    """(start ms, end ms, ``voice`` | ``tone`` | ``noise``) of each run of sound."""
    import librosa

    frames = len(samples) // _HOP
    power = np.mean(samples[: frames * _HOP].reshape(frames, _HOP) ** 2, axis=1)
    level = 10 * np.log10(power + 1e-20)
    loud = level > level.max() - LOUD_DB
    f0, voiced, _ = librosa.pyin(samples, fmin=60, fmax=500, sr=SAMPLE_RATE, frame_length=1024, hop_length=_HOP)
    spectrum = 20 * np.log10(np.abs(librosa.stft(samples, n_fft=2048, hop_length=_HOP, win_length=1024)) + 1e-10)
    freqs = librosa.fft_frequencies(sr=SAMPLE_RATE, n_fft=2048)

    def partials(i: int) -> int:
        column, pitch = spectrum[:, i], f0[i]
        bands = [(freqs > (h - 0.25) * pitch) & (freqs < (h + 0.25) * pitch) for h in range(1, int(4000 // pitch))]
        return sum(column[band].max() > column.max() - 30 for band in bands)

    runs, i = [], 0
    while i < frames:
        if not loud[i]:
            i += 1
            continue
        j = i
        while j < frames and loud[j]:
            j += 1
        counts = [partials(k) for k in range(i, j) if voiced[k]]
        kind = "noise" if not counts else "tone" if np.median(counts) < VOICE_PARTIALS else "voice"
        runs.append((i * 10, j * 10, kind))
        i = j
    return runs


def build_reading(parts: list[tuple[Path, str] | int], out: Path) -> list[Placed]:
    """Write ``out`` (16 kHz WAV) from clips ``(path, text)`` and pauses (int, ms); return the placed clips."""
    import soundfile

    pieces, placed, cursor = [], [], 0  # cursor in samples
    for part in parts:
        if isinstance(part, int):
            samples = np.zeros(int(SAMPLE_RATE * part / 1000), dtype=np.float32)
        else:
            samples = trimmed(part[0])
            start, end = cursor, cursor + len(samples)
            start_ms = 1000 * start // SAMPLE_RATE
            onset, offset = clip_speech_edges(str(part[0]))
            placed.append(Placed(part[1], start_ms, 1000 * end // SAMPLE_RATE, start_ms + onset, start_ms + offset))
        pieces.append(samples)
        cursor += len(samples)
    soundfile.write(str(out), np.concatenate(pieces), SAMPLE_RATE)
    return placed
