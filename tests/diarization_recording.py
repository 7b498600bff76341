"""The test recording of issue 7, built from the dev data, with its reference annotation.

Layout (16 kHz mono), every piece trimmed of the clips' own edge silence:

    A1 | music + applause | B1 | A2 (joined straight after B1) | A3 + B2 overlapping | silence

``A`` is Common Voice speaker ``cv_te_spkA``, ``B`` is ``cv_te_spkC``. The music is a
synthetic tanpura-like drone with a harmonium-like melody; the applause is hundreds of
short band-passed noise claps over hiss. Everything is deterministic (fixed seeds), so the
recording, its reference and the numbers measured on it are the same on every machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SR = 16000
SPEAKER_A = "cv_te_spkA"
SPEAKER_B = "cv_te_spkC"
MUSIC_S = 7.0
APPLAUSE_S = 5.0
JOIN_GAP_S = 0.15
OVERLAP_OFFSET_S = 0.8


@dataclass(frozen=True)
class Turn:
    start_ms: int
    end_ms: int
    speaker: str


@dataclass(frozen=True)
class TestRecording:
    samples: np.ndarray
    turns: tuple[Turn, ...]
    """Reference speech turns (what each speaker says, where)."""
    nonspeech: tuple[int, int]
    """The music + applause stretch, in ms."""
    join_ms: int
    """Where speaker B hands over to speaker A with no pause (the join)."""
    overlap: tuple[int, int]
    """Where A and B speak at once, in ms."""

    @property
    def duration_ms(self) -> int:
        return int(round(1000 * len(self.samples) / SR))


def load_clip(path: str | Path, top_db: float = 30.0) -> np.ndarray:
    """A dev clip at 16 kHz, trimmed of leading/trailing silence, peak at -3 dBFS."""
    import librosa

    samples, _ = librosa.load(str(path), sr=SR, mono=True)
    trimmed, _ = librosa.effects.trim(samples, top_db=top_db)
    return (0.7 * trimmed / max(1e-6, float(np.max(np.abs(trimmed))))).astype(np.float32)


def music(seconds: float, seed: int = 7) -> np.ndarray:
    """A tanpura-like drone (Sa-Pa with rich harmonics) under a slow harmonium-like melody."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    out = np.zeros_like(t)
    for base, gain in ((130.81, 1.0), (196.0, 0.7), (261.63, 0.5)):
        pluck = 0.6 + 0.4 * np.abs(np.sin(np.pi * t / 1.2 + rng.uniform(0, np.pi)))
        for k in range(1, 9):
            out += gain * pluck * np.sin(2 * np.pi * base * k * t + rng.uniform(0, 2 * np.pi)) / k**1.3
    notes = [261.63, 293.66, 329.63, 392.0, 440.0, 392.0, 329.63, 293.66]
    step = int(0.75 * SR)
    for i, start in enumerate(range(0, len(t), step)):
        seg = slice(start, min(len(t), start + step))
        f = notes[i % len(notes)]
        tt = t[seg] - t[start]
        env = np.minimum(1.0, tt / 0.05) * np.exp(-tt / 1.5)
        reed = sum(np.sign(np.sin(2 * np.pi * f * k * tt)) / k**2 for k in (1, 2, 3))
        out[seg] += 0.5 * env * reed
    return (0.25 * out / np.max(np.abs(out))).astype(np.float32)


def applause(seconds: float, seed: int = 11) -> np.ndarray:
    """Many people clapping: short band-passed noise bursts at random times, over hiss."""
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    out = 0.02 * rng.standard_normal(n)
    clap_len = int(0.03 * SR)
    decay = np.exp(-np.arange(clap_len) / (0.006 * SR))
    for _ in range(int(seconds * 60)):
        start = int(rng.integers(0, n - clap_len))
        low = rng.uniform(600, 1500)
        sos = butter(2, [low, min(low * 4, 7000)], btype="bandpass", fs=SR, output="sos")
        out[start : start + clap_len] += rng.uniform(0.3, 1.0) * sosfilt(sos, rng.standard_normal(clap_len)) * decay
    fade = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / (0.5 * SR))
    return (0.3 * fade * out / np.max(np.abs(out))).astype(np.float32)


def clips_by_speaker(dev_data: Path) -> dict[str, list[Path]]:
    manifest = dev_data / "te_cv" / "manifest.jsonl"
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    out: dict[str, list[Path]] = {}
    for row in rows:
        out.setdefault(row["speaker"], []).append(manifest.parent / row["audio_filepath"])
    return out


def build(dev_data: Path) -> TestRecording:
    """Assemble the recording and its reference from ``dev_data``."""
    clips = clips_by_speaker(dev_data)
    a1, a2, a3 = (load_clip(clips[SPEAKER_A][i]) for i in (1, 0, 4))
    b1, b2 = (load_clip(p) for p in clips[SPEAKER_B][-1:-3:-1])
    pieces: list[np.ndarray] = []
    turns: list[Turn] = []
    cursor = 0

    def put(samples: np.ndarray, speaker: str | None, gap_s: float = 0.0) -> tuple[int, int]:
        nonlocal cursor
        pieces.append(np.zeros(int(gap_s * SR), dtype=np.float32))
        cursor += int(gap_s * SR)
        start = cursor
        pieces.append(samples)
        cursor += len(samples)
        if speaker:
            turns.append(Turn(_ms(start), _ms(cursor), speaker))
        return _ms(start), _ms(cursor)

    put(a1, SPEAKER_A, gap_s=1.0)
    noise = np.concatenate([music(MUSIC_S), applause(APPLAUSE_S)])
    nonspeech = put(noise, None, gap_s=0.5)
    put(b1, SPEAKER_B, gap_s=0.5)
    join_ms, _ = put(a2, SPEAKER_A, gap_s=JOIN_GAP_S)
    overlap_len = max(len(a3), int(OVERLAP_OFFSET_S * SR) + len(b2))
    mix = np.zeros(overlap_len, dtype=np.float32)
    mix[: len(a3)] += a3
    off = int(OVERLAP_OFFSET_S * SR)
    mix[off : off + len(b2)] += b2
    start, _ = put(0.8 * mix, None, gap_s=1.0)
    turns.append(Turn(start, start + _ms(len(a3)), SPEAKER_A))
    turns.append(Turn(start + _ms(off), start + _ms(off + len(b2)), SPEAKER_B))
    overlap = (start + _ms(off), start + _ms(min(len(a3), off + len(b2))))
    put(np.zeros(SR, dtype=np.float32), None)
    samples = np.concatenate(pieces).astype(np.float32)
    return TestRecording(samples, tuple(turns), nonspeech, join_ms, overlap)


def _ms(samples: int) -> int:
    return int(round(1000 * samples / SR))
