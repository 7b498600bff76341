"""Decode windows: speech packed back to back, times mapped back to the recording."""

from hypothesis import given
from hypothesis import strategies as st

from nishabdham.pipeline.vad import SpeechRegion, VadOptions, Window, plan_windows

OPTIONS = VadOptions(window_s=30.0, spacer_ms=400)


def test_regions_are_packed_into_full_windows_whatever_the_pauses():
    regions = [SpeechRegion(t, t + 5000) for t in range(0, 200_000, 20_000)]  # 5 s of speech every 20 s
    windows = plan_windows(regions, OPTIONS)
    assert [len(w.regions) for w in windows] == [5, 5]
    assert all(w.duration_ms <= 30_000 for w in windows)
    assert windows[0].duration_ms == 5 * 5000 + 4 * 400


def test_a_region_longer_than_a_window_gets_its_own():
    windows = plan_windows([SpeechRegion(0, 1000), SpeechRegion(2000, 33000), SpeechRegion(34000, 35000)], OPTIONS)
    assert [w.regions for w in windows] == [
        (SpeechRegion(0, 1000),),
        (SpeechRegion(2000, 33000),),
        (SpeechRegion(34000, 35000),),
    ]


def test_window_times_map_back_to_the_recording():
    window = Window((SpeechRegion(1000, 3000), SpeechRegion(10000, 11000)), spacer_ms=400)
    assert window.to_original(0) == 1000
    assert window.to_original(1500) == 2500
    assert window.to_original(2100, "start") == 10000  # a word starting in the spacer starts with the next region
    assert window.to_original(2100, "end") == 3000  # a word ending in it ends with the previous one
    assert window.to_original(2900) == 10500
    assert window.to_original(99999) == 11000
    assert Window.span(500, 900).to_original(100) == 600


@given(st.lists(st.tuples(st.integers(100, 8000), st.integers(0, 60_000)), min_size=1, max_size=30))
def test_property_mapping_is_monotonic_and_inside_the_regions(spec):
    regions, t = [], 0
    for length, gap in spec:
        t += gap
        regions.append(SpeechRegion(t, t + length))
        t += length
    for window in plan_windows(regions, OPTIONS):
        for side in ("start", "end"):
            mapped = [window.to_original(ms, side) for ms in range(0, window.duration_ms + 1, 97)]
            assert mapped == sorted(mapped)
            assert all(any(r.start_ms <= m <= r.end_ms for r in window.regions) for m in mapped)


def test_long_recordings_are_cut_for_vad_at_their_quietest_point(te_rows):
    """Silero runs over ~10-minute pieces (bounded memory); a cut falls in a pause, so no speech is split."""
    import numpy as np

    import nishabdham.pipeline.vad.silero as vad
    from nishabdham.pipeline.audio import load_audio
    from nishabdham.pipeline.vad import speech_ms

    clips = [load_audio(row["path"]).samples for row in te_rows[:6]]
    pause = np.zeros(16000, dtype=np.float32) + np.float32(1e-4)
    samples = np.concatenate([piece for clip in clips for piece in (clip, pause)])
    whole = vad.speech_regions(samples, 16000)
    chunks = vad._vad_chunks(samples, 16000, chunk_s=8, search_s=2.0)
    assert chunks[0][0] == 0 and chunks[-1][1] == len(samples) and len(chunks) >= 3
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:]))  # contiguous, nothing lost
    for _, cut in chunks[:-1]:  # each cut lies in a pause, not in a word
        assert np.max(np.abs(samples[cut - 160 : cut + 160])) < 0.01
    original = vad.VAD_CHUNK_S
    try:
        vad.VAD_CHUNK_S = 8
        pieces = vad.speech_regions(samples, 16000)
    finally:
        vad.VAD_CHUNK_S = original
    assert abs(speech_ms(pieces) - speech_ms(whole)) <= 0.05 * speech_ms(whole)
