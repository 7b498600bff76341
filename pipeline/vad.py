"""Where the speech is: Silero (default) or pyannote VAD regions, grouped into decode windows.

Whisper decodes 30-second windows. Instead of handing it the whole recording
(faster-whisper's sequential mode computes features for all of it at once, and
lets a music intro decide the language), the pipeline finds speech with Silero
VAD and decodes one window at a time: memory stays bounded on long recordings,
every window gets the same decoding prompt, progress is exact, and a long
stretch without speech (music, applause, silence) is never handed to the model.

``backend="pyannote"`` (the ``diarization`` extra) finds speech with pyannote's
segmentation-3.0 instead (:mod:`pipeline.pyannote_vad`); the regions have the same
form, so nothing after this stage changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np


@dataclass(frozen=True, slots=True)
class VadOptions:
    """Options of voice-activity detection and windowing."""

    backend: Literal["silero", "pyannote"] = "silero"
    """``silero`` (built in) or ``pyannote`` (segmentation-3.0; needs the diarization extra)."""
    threshold: float = 0.5
    """Speech probability (Silero), or share of pyannote chunks saying speech, above which a frame is speech."""
    min_speech_ms: int = 250
    """Speech regions shorter than this are dropped (clicks, coughs)."""
    min_silence_ms: int = 400
    """A pause at least this long ends a speech region."""
    speech_pad_ms: int = 200
    """Each speech region is widened by this much on both sides."""
    window_s: float = 30.0
    """Longest stretch of audio decoded at once (Whisper's window)."""
    max_window_gap_ms: int = 3000
    """Speech regions further apart than this are decoded in separate windows."""
    pyannote_model: str = ""
    """pyannote segmentation checkpoint directory; empty: segmentation-3.0 installed by ``nishabdham setup --diarization``."""
    pyannote_step_s: float = 5.0
    """pyannote: seconds between the starts of its 10 s analysis chunks (smaller: slower, smoother)."""
    change_context_ms: int = 2000
    """pyannote: a speaker starting within this long after another one stopped is a speaker change."""


@dataclass(frozen=True, slots=True)
class SpeechRegion:
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of the recording decoded in one call, with the speech inside it."""

    start_ms: int
    end_ms: int
    regions: tuple[SpeechRegion, ...]

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


def speech_regions(samples: np.ndarray, sample_rate: int, options: VadOptions = VadOptions()) -> list[SpeechRegion]:
    """Speech regions found by Silero VAD (the ONNX model shipped in faster-whisper) or pyannote."""
    if len(samples) < sample_rate // 10:
        return []
    if options.backend == "pyannote":
        from pipeline import pyannote_vad

        return pyannote_vad.speech_regions(samples, sample_rate, options)
    from faster_whisper.vad import VadOptions as SileroOptions
    from faster_whisper.vad import get_speech_timestamps

    silero = SileroOptions(
        threshold=options.threshold,
        min_speech_duration_ms=options.min_speech_ms,
        max_speech_duration_s=options.window_s - 1.0,
        min_silence_duration_ms=options.min_silence_ms,
        speech_pad_ms=options.speech_pad_ms,
    )
    stamps = get_speech_timestamps(samples, silero, sampling_rate=sample_rate)
    to_ms = 1000 / sample_rate
    return [SpeechRegion(int(s["start"] * to_ms), int(s["end"] * to_ms)) for s in stamps]


def plan_windows(regions: list[SpeechRegion], options: VadOptions = VadOptions()) -> list[Window]:
    """Group consecutive regions into windows of at most ``window_s``.

    A window spans the original recording from its first region's start to its
    last region's end, pauses included, so word times need only an offset. A
    new window starts when the next region would make the window too long or
    lies more than ``max_window_gap_ms`` after the previous one.
    """
    limit_ms = int(options.window_s * 1000)
    windows: list[Window] = []
    current: list[SpeechRegion] = []
    for region in regions:
        if current:
            too_long = region.end_ms - current[0].start_ms > limit_ms
            too_far = region.start_ms - current[-1].end_ms > options.max_window_gap_ms
            if too_long or too_far:
                windows.append(_window(current))
                current = []
        current.append(region)
    if current:
        windows.append(_window(current))
    return windows


def _window(regions: list[SpeechRegion]) -> Window:
    return Window(regions[0].start_ms, regions[-1].end_ms, tuple(regions))


def speech_ms(regions: list[SpeechRegion]) -> int:
    return sum(r.end_ms - r.start_ms for r in regions)
