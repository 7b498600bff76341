"""The rows an adaptation learns from, and the ones it is checked on.

Rows come from an evaluation-set manifest (``nishabdham evalset export`` writes one from approved
reviews). Rows are split *by recording*: every row of a held-out recording is held out, so the
check never scores audio the model heard in training. Features are computed exactly as
faster-whisper computes them when decoding (its own feature extractor, padded to 30 s), so the
model learns what it will be shown.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nishabdham.adapt.targets import TargetTokenizer, pivot_text
from nishabdham.errors import InputError
from nishabdham.evaluation.manifest import ManifestEntry

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
MAX_SECONDS = 30.0


@dataclass(frozen=True)
class Split:
    """Rows to train on and rows held out (whole recordings) for the check."""

    train: list[ManifestEntry]
    held_out: list[ManifestEntry]


@dataclass(frozen=True)
class Example:
    """One training row, ready for the model."""

    features: np.ndarray  # (n_mels, 3000) float32
    tokens: list[int]
    labels: list[int]
    seconds: float


def recording(entry: ManifestEntry) -> str:
    """The recording a row comes from: its review job (the review UI cuts each cue into its own clip),
    else its audio file (rows of one recording share it)."""
    return f"job:{entry.row.job}" if entry.row.job else str(entry.audio.resolve())


def split_by_recording(entries: Sequence[ManifestEntry], share: float, seed: int = 0) -> Split:
    """Hold out about ``share`` of the recordings (at least one when there are two or more)."""
    groups: dict[str, list[ManifestEntry]] = defaultdict(list)
    for entry in entries:
        groups[recording(entry)].append(entry)
    names = sorted(groups, key=lambda n: hashlib.sha256(f"{seed}:{Path(n).name}".encode()).hexdigest())
    count = 0 if len(names) < 2 or share <= 0 else min(len(names) - 1, max(1, round(share * len(names))))
    held = set(names[:count])
    return Split(
        train=[e for e in entries if recording(e) not in held],
        held_out=[e for e in entries if recording(e) in held],
    )


def speakers(entries: Sequence[ManifestEntry]) -> list[str]:
    return sorted({e.row.speaker for e in entries if e.row.speaker})


def load_clip(entry: ManifestEntry) -> np.ndarray:
    """The row's audio as 16 kHz mono float32 (its ``offset`` and ``duration`` applied)."""
    from faster_whisper.audio import decode_audio

    try:
        audio = decode_audio(str(entry.audio), sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # noqa: BLE001 - PyAV raises many kinds; all mean "cannot decode"
        raise InputError(f"cannot decode audio ({exc})", path=entry.audio) from exc
    start = int(round(entry.row.offset * SAMPLE_RATE))
    end = start + int(round(entry.row.duration * SAMPLE_RATE)) if entry.row.duration is not None else len(audio)
    return audio[start:end]


def features_of(audio: np.ndarray, n_mels: int = 80) -> np.ndarray:
    """Log-mel features as faster-whisper computes them for one 30 s window."""
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.feature_extractor import FeatureExtractor

    extractor = _extractor(n_mels, FeatureExtractor)
    return pad_or_trim(extractor(audio)).astype(np.float32)


_EXTRACTORS: dict[int, object] = {}


def _extractor(n_mels: int, cls):
    if n_mels not in _EXTRACTORS:
        _EXTRACTORS[n_mels] = cls(feature_size=n_mels)
    return _EXTRACTORS[n_mels]


def examples(entries: Sequence[ManifestEntry], tokenizer: TargetTokenizer, n_mels: int = 80) -> list[Example]:
    """Training examples; rows longer than one 30 s window or with no text are skipped (logged)."""
    out = []
    for entry in entries:
        audio = load_clip(entry)
        seconds = len(audio) / SAMPLE_RATE
        text = pivot_text(entry.row.text) if entry.row.lang != "en" else entry.row.text.strip()
        if seconds > MAX_SECONDS or not text or seconds <= 0:
            log.warning("%s:%d: skipped for training (%.1f s, text %r)", entry.manifest, entry.line, seconds, text)
            continue
        tokens, labels = tokenizer.sequence(text, seconds)
        out.append(Example(features_of(audio, n_mels), tokens, labels, seconds))
    return out
