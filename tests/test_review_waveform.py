"""The waveform image: the signal where it is, every cue boundary where the cue starts and ends."""

from __future__ import annotations

import numpy as np

from nishabdham.review_ui import waveform
from nishabdham.review_ui.media import envelope
from tests.conftest import tone
from tests.review_support import cues as make_cues


def _peaks(seconds: float = 12.0) -> np.ndarray:
    samples = np.zeros(int(seconds * 16000), dtype=np.float32)
    samples[2 * 16000 : 3 * 16000] = tone(440, 1.0, 0.8)  # sound from 2 s to 3 s only
    return envelope(samples, 16000)


def test_envelope_has_fifty_min_max_pairs_a_second():
    peaks = _peaks()
    assert peaks.shape == (600, 2)
    assert float(peaks[120:150, 1].min()) > 0.7 and float(np.abs(peaks[:100]).max()) == 0.0


def test_signal_is_drawn_only_where_there_is_sound():
    span = waveform.Span(0, 12_000, width=1200, height=116)
    pixels = np.asarray(waveform.draw(_peaks(), span, []))
    wave_rows = pixels[: span.height - waveform.AXIS_PX]
    dark = (wave_rows == waveform.WAVE).all(axis=2).sum(axis=0)  # dark pixels per column
    assert dark[span.x(2_200) : span.x(2_800)].min() > 60  # loud: a tall column
    assert dark[span.x(5_000) : span.x(11_000)].max() <= 2  # silence: a flat line


def test_cue_boundaries_are_drawn_at_their_times():
    cues = make_cues()
    span = waveform.Span(0, 12_000, width=1200, height=116)
    pixels = np.asarray(waveform.draw(_peaks(), span, cues, flagged={cues[1].id}, selected=cues[0].id, boundaries=True))
    top = pixels[40]
    for cue in cues:
        if cue.start_ms < span.end_ms:
            x = span.x(cue.start_ms)
            assert any(tuple(top[c]) == waveform.START for c in (x - 1, x, x + 1)), cue.id
    above_the_wave = pixels[3]
    middle = lambda cue: tuple(above_the_wave[span.x((cue.start_ms + cue.end_ms) // 2)])  # noqa: E731
    assert middle(cues[0]) == waveform.BAND["selected"]
    assert middle(cues[1]) == waveform.BAND["flagged"]
    assert tuple(above_the_wave[span.x(cues[0].end_ms + 500)]) == (255, 255, 255)  # no cue: no band


def test_a_long_recording_reduces_to_the_image_width():
    peaks = np.tile(_peaks(), (300, 1))  # an hour
    span = waveform.Span(0, 3_600_000, width=1600, height=70)
    lo, hi = waveform.column_envelope(peaks, span)
    assert lo.shape == hi.shape == (1600,)
    assert float(hi.max()) > 0.7 and float(lo.min()) < -0.7
