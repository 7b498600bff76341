"""Readings built from dev clips, with their build times: the test and bench data of the known-text feature.

Each clip is trimmed of its own leading and trailing silence (everything 30 dB below its
peak; at 35 dB one clip keeps a 1.9 s tail of noise that Silero does not call speech), so
the build times are where speech starts and ends, and joined with pauses of silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Placed:
    """A clip in a built reading: its text and where its speech starts and ends."""

    text: str
    start_ms: int
    end_ms: int


def trimmed(path: Path) -> np.ndarray:
    import librosa

    samples, _ = librosa.load(str(path), sr=SAMPLE_RATE, mono=True)
    core, _ = librosa.effects.trim(samples, top_db=30, frame_length=512, hop_length=128)
    return core


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
            placed.append(Placed(part[1], 1000 * start // SAMPLE_RATE, 1000 * end // SAMPLE_RATE))
        pieces.append(samples)
        cursor += len(samples)
    soundfile.write(str(out), np.concatenate(pieces), SAMPLE_RATE)
    return placed
