"""Speech regions and the decode windows they are packed into (the data every VAD backend returns)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from nishabdham.types import Segment


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
    spacer_ms: int = 1000
    """Silence put between two speech regions packed into one window: it stands for the pause that was
    cut out, and gives Whisper's word alignment room to place the boundary (400 ms misplaced words)."""
    pyannote_model: str = ""
    """pyannote segmentation checkpoint directory; empty: segmentation-3.0 installed by ``nishabdham setup --diarization``."""
    pyannote_threads: int = 1
    """pyannote: torch threads while segmenting (0: torch's default); as ``diarize.threads``."""
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
    """Speech regions decoded together: their audio back to back, ``spacer_ms`` of silence between them."""

    regions: tuple[SpeechRegion, ...]
    spacer_ms: int = 0

    @classmethod
    def span(cls, start_ms: int, end_ms: int) -> Window:
        """One contiguous stretch of the recording, pauses and all."""
        return cls((SpeechRegion(start_ms, end_ms),))

    @property
    def start_ms(self) -> int:
        return self.regions[0].start_ms

    @property
    def end_ms(self) -> int:
        return self.regions[-1].end_ms

    @property
    def duration_ms(self) -> int:
        """Length of the audio the decoder gets (speech plus spacers)."""
        return sum(r.end_ms - r.start_ms for r in self.regions) + self.spacer_ms * (len(self.regions) - 1)

    def layout(self) -> list[tuple[int, int, int]]:
        """(start in the recording, end in the recording, start in the window) of every region."""
        out, offset = [], 0
        for region in self.regions:
            out.append((region.start_ms, region.end_ms, offset))
            offset += region.end_ms - region.start_ms + self.spacer_ms
        return out

    def to_original(self, t_ms: int, side: str = "start") -> int:
        """A time in the window's audio, as a time in the recording.

        A time inside a spacer belongs to the next region for a word's start
        (``side="start"``) and to the previous one for its end (``side="end"``).
        """
        layout = self.layout()
        for i, (start, end, offset) in enumerate(layout):
            length = end - start
            if t_ms <= offset + length or i == len(layout) - 1:
                return min(end, start + max(0, t_ms - offset))
            if t_ms < offset + length + self.spacer_ms:
                return layout[i + 1][0] if side == "start" else end
        return self.end_ms


def plan_windows(regions: list[SpeechRegion], options: VadOptions = VadOptions()) -> list[Window]:
    """Pack consecutive speech regions into windows of at most ``window_s`` of decoded audio.

    The silence between two regions is cut out and replaced by a ``spacer_ms``
    pause, so every window is nearly full of speech. A region longer than a
    window (VAD splits speech at ``window_s``) gets a window of its own.
    """
    limit_ms = int(options.window_s * 1000)
    windows: list[Window] = []
    current: list[SpeechRegion] = []
    used = 0
    for region in regions:
        length = region.end_ms - region.start_ms
        if current and used + options.spacer_ms + length > limit_ms:
            windows.append(Window(tuple(current), options.spacer_ms))
            current, used = [], 0
        used += (options.spacer_ms if current else 0) + length
        current.append(region)
    if current:
        windows.append(Window(tuple(current), options.spacer_ms))
    return windows


def speech_ms(regions: list[SpeechRegion]) -> int:
    return sum(r.end_ms - r.start_ms for r in regions)


def uncovered(regions: list[SpeechRegion], segments: list[Segment], min_ms: int) -> list[SpeechRegion]:
    """Speech regions of at least ``min_ms`` with no recognised word inside them."""
    starts = sorted(w.start_ms for s in segments for w in s.words)
    ends = sorted(w.end_ms for s in segments for w in s.words)
    out = []
    for region in regions:
        if region.end_ms - region.start_ms < min_ms:
            continue
        # a word touches the region if it starts before the region ends and ends after it starts
        started_before_end = bisect.bisect_left(starts, region.end_ms)
        ended_before_start = bisect.bisect_right(ends, region.start_ms)
        if started_before_end - ended_before_start <= 0:
            out.append(region)
    return out
