"""The waveform with cue boundaries, as Vega-Lite charts (Altair) drawn in the browser.

Two views from the cached envelope (``peaks.npy``): the whole recording with
every cue as a band (flagged cues in orange, the selected one in blue), and a
close-up around the selected cue with each cue's start and end drawn as lines
and its number on top. The server only sends a few thousand points, however
long the recording.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from review_ui.editing import ReviewCue
from review_ui.media import PEAKS_PER_SECOND


def overview_envelope(peaks: np.ndarray, points: int = 1200, per_second: int = PEAKS_PER_SECOND) -> dict[str, list]:
    """The envelope reduced to about ``points`` columns: times (s), minima and maxima."""
    if len(peaks) == 0:
        return {"t": [], "lo": [], "hi": []}
    step = max(1, int(np.ceil(len(peaks) / points)))
    count = int(np.ceil(len(peaks) / step))
    padded = np.zeros((count * step, 2), dtype=np.float32)
    padded[: len(peaks)] = peaks
    blocks = padded.reshape(count, step, 2)
    t = (np.arange(count) * step / per_second).round(3)
    return {"t": t.tolist(), "lo": blocks[:, :, 0].min(axis=1).tolist(), "hi": blocks[:, :, 1].max(axis=1).tolist()}


def window_envelope(peaks: np.ndarray, start_ms: int, end_ms: int, per_second: int = PEAKS_PER_SECOND) -> dict[str, list]:
    lo = max(0, int(start_ms * per_second // 1000))
    hi = min(len(peaks), int(np.ceil(end_ms * per_second / 1000)))
    part = peaks[lo:hi].astype(np.float32)
    t = ((np.arange(lo, hi)) / per_second).round(3)
    return {"t": t.tolist(), "lo": part[:, 0].tolist(), "hi": part[:, 1].tolist()}


def cue_bands(cues: Sequence[ReviewCue], flagged: set[str], selected: str | None, start_ms: int = 0, end_ms: int | None = None) -> list[dict]:
    bands = []
    for n, cue in enumerate(cues, 1):
        if cue.end_ms < start_ms or (end_ms is not None and cue.start_ms > end_ms):
            continue
        kind = "selected" if cue.id == selected else "flagged" if cue.id in flagged else "cue"
        bands.append({"n": n, "start": cue.start_ms / 1000, "end": cue.end_ms / 1000, "kind": kind})
    return bands


_COLOURS = {"domain": ["cue", "flagged", "selected"], "range": ["#5b8def", "#f28e2b", "#1f3fbf"]}


def chart(envelope: dict[str, list], bands: list[dict], *, height: int, labels: bool):
    """An Altair layer chart: cue bands (and boundary lines with numbers), then the waveform."""
    import altair as alt

    wave = alt.Data(values=[{"t": t, "lo": a, "hi": b} for t, a, b in zip(envelope["t"], envelope["lo"], envelope["hi"])])
    cues = alt.Data(values=bands)
    x = alt.X("start:Q", title=None, scale=alt.Scale(zero=False, nice=False))
    colour = alt.Color("kind:N", scale=alt.Scale(**_COLOURS), legend=None)
    layers = [
        alt.Chart(cues).mark_rect(opacity=0.18).encode(x=x, x2="end:Q", color=colour),
        alt.Chart(wave).mark_area(color="#444", opacity=0.85).encode(
            x=alt.X("t:Q", title=None), y=alt.Y("lo:Q", axis=None, scale=alt.Scale(domain=[-1, 1])), y2="hi:Q"
        ),
    ]
    if labels:
        layers += [
            alt.Chart(cues).mark_rule(color="#2a9d3a", strokeWidth=1.5).encode(x="start:Q"),
            alt.Chart(cues).mark_rule(color="#d62828", strokeWidth=1.5, strokeDash=[4, 2]).encode(x="end:Q"),
            alt.Chart(cues).mark_text(dy=-4, baseline="bottom", align="left", fontSize=11).encode(
                x="start:Q", y=alt.value(12), text="n:N", color=colour
            ),
        ]
    return alt.layer(*layers).properties(height=height).configure_view(strokeWidth=0)
