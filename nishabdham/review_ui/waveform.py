"""The waveform with cue boundaries, drawn into an image on the server.

Two views from the cached envelope (``peaks.npy``, 50 min/max pairs a
second): the whole recording with every cue as a band, and a close-up around
the selected cue with each cue's start (green) and end (red, dashed) and its
number. Cue bands are blue, orange when QA flagged, dark blue when selected.

Drawn with NumPy and Pillow rather than a browser chart: a few milliseconds
on the server and nothing for the browser to load, however long the
recording (a Vega chart cost seconds of JavaScript on a small machine).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nishabdham.review_ui.editing import ReviewCue
from nishabdham.review_ui.media import PEAKS_PER_SECOND

WAVE = (68, 68, 68)
BAND = {"cue": (222, 232, 252), "flagged": (253, 226, 200), "selected": (190, 203, 245)}
MARKER = (31, 63, 191)
START, END, TEXT, AXIS = (42, 157, 58), (214, 40, 40), (40, 40, 90), (120, 120, 120)
AXIS_PX = 18
_STEPS_S = (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800)


@dataclass(frozen=True, slots=True)
class Span:
    """The stretch of the recording an image shows, and its size in pixels."""

    start_ms: int
    end_ms: int
    width: int = 1200
    height: int = 110

    def x(self, ms: float) -> int:
        return int((ms - self.start_ms) * self.width / max(self.end_ms - self.start_ms, 1))


def column_envelope(peaks: np.ndarray, span: Span, per_second: int = PEAKS_PER_SECOND) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum of the signal under every pixel column of ``span``."""
    edges = np.linspace(span.start_ms, span.end_ms, span.width + 1) * per_second / 1000
    first = np.clip(np.floor(edges[:-1]).astype(int), 0, max(len(peaks) - 1, 0))
    last = np.clip(np.ceil(edges[1:]).astype(int), first + 1, max(len(peaks), 1))
    if len(peaks) == 0:
        return np.zeros(span.width), np.zeros(span.width)
    lo = peaks[:, 0].astype(np.float32)
    hi = peaks[:, 1].astype(np.float32)
    if (last - first).max() <= 1:  # zoomed in: one envelope value per column
        return lo[first], hi[first]
    return np.minimum.reduceat(lo, first)[: span.width], np.maximum.reduceat(hi, first)[: span.width]


def draw(
    peaks: np.ndarray,
    span: Span,
    cues: Sequence[ReviewCue],
    flagged: set[str] = frozenset(),
    selected: str | None = None,
    boundaries: bool = False,
    per_second: int = PEAKS_PER_SECOND,
):
    """A Pillow image of the waveform over ``span`` with the cues on it."""
    from PIL import Image, ImageDraw

    wave_h = span.height - AXIS_PX
    pixels = np.full((span.height, span.width, 3), 255, dtype=np.uint8)
    shown = [(n, c) for n, c in enumerate(cues, 1) if c.end_ms > span.start_ms and c.start_ms < span.end_ms]
    for _, cue in shown:
        kind = "selected" if cue.id == selected else "flagged" if cue.id in flagged else "cue"
        a, b = max(span.x(cue.start_ms), 0), min(max(span.x(cue.end_ms), span.x(cue.start_ms) + 1), span.width)
        pixels[:wave_h, a:b] = BAND[kind]
    lo, hi = column_envelope(peaks, span, per_second)
    middle = wave_h / 2
    top = np.clip(middle - hi * middle, 0, wave_h - 1).astype(int)
    bottom = np.clip(middle - lo * middle, 0, wave_h - 1).astype(int)
    rows = np.arange(wave_h)[:, None]
    pixels[:wave_h][(rows >= top[None, :]) & (rows <= np.maximum(bottom, top + 1)[None, :])] = WAVE
    if selected is not None and not boundaries:  # on the whole recording a cue is a few pixels: mark it
        marked = [c for _, c in shown if c.id == selected]
        if marked:
            a = min(max(span.x(marked[0].start_ms), 0), span.width - 1)
            pixels[:wave_h, a : a + 4] = MARKER
    image = Image.fromarray(pixels)
    pen = ImageDraw.Draw(image)
    if boundaries:
        for n, cue in shown:
            a, b = span.x(cue.start_ms), span.x(cue.end_ms)
            pen.line([(a, 0), (a, wave_h)], fill=START, width=2)
            for y in range(0, wave_h, 8):
                pen.line([(b, y), (b, min(y + 4, wave_h))], fill=END, width=2)
            pen.text((a + 4, 2), str(n), fill=TEXT, font=_font(14))
    _axis(pen, span)
    return image


def _axis(pen, span: Span) -> None:
    seconds = (span.end_ms - span.start_ms) / 1000
    step = next((s for s in _STEPS_S if seconds / s <= 12), _STEPS_S[-1])
    first = np.ceil(span.start_ms / 1000 / step) * step
    for t in np.arange(first, span.end_ms / 1000 + 1e-9, step):
        x = span.x(t * 1000)
        pen.line([(x, span.height - AXIS_PX), (x, span.height - AXIS_PX + 4)], fill=AXIS)
        label = f"{int(t // 60)}:{t % 60:04.1f}" if step < 1 else f"{int(t // 60)}:{int(t % 60):02d}"
        pen.text((min(x + 2, span.width - 40), span.height - AXIS_PX + 2), label, fill=AXIS, font=_font(13))


def _font(size: int):
    from PIL import ImageFont

    return ImageFont.load_default(size=size)
