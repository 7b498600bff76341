"""With the real bundled model: the beam's other readings come back timed on their segment, and a
stretch checked by the language detector is not encoded again when it is decoded again."""

from __future__ import annotations

import pytest

from nishabdham.pipeline.audio import load_audio
from nishabdham.pipeline.codeswitch import PIVOT_PROMPT
from nishabdham.pipeline.decode import encoder
from nishabdham.pipeline.decode.transcribe import (
    DecodeOptions,
    DecodeRequest,
    decode_windows,
    detect_languages,
    window_audio,
)
from nishabdham.pipeline.vad import Window

pytestmark = pytest.mark.model


def test_a_checked_stretch_is_decoded_again_without_encoding_it_again(model, jfk):
    audio = load_audio(jfk[0])
    window = Window.span(0, 4000)
    detect_languages(model, window_audio(audio, window))
    cache = encoder.install(model.whisper)
    before = cache.hits
    request = DecodeRequest("en", strategy="pivot+english", temperatures=(0.0,), beam_size=1)
    segments = decode_windows(model, audio, [(window, request)], DecodeOptions())
    assert cache.hits == before + 1
    assert "americans" in " ".join(s.text for s in segments).lower()


def test_pivot_decode_keeps_the_beams_other_readings_on_the_segment_they_change(model, te_rows):
    found = []
    for row in te_rows[:6]:
        audio = load_audio(row["path"])
        window = Window.span(0, audio.duration_ms)
        request = DecodeRequest("en", PIVOT_PROMPT, strategy="pivot", hypotheses=5)
        for segment in decode_windows(model, audio, [(window, request)], DecodeOptions()):
            for alternative in segment.alternatives:
                found.append((segment, alternative))
    assert len(found) >= 5  # the beam held other readings for most clips
    for segment, alternative in found:
        assert alternative.logprob < 30 and alternative.text != " ".join(w.text for w in segment.words)
        times = [(w.start_ms, w.end_ms) for w in alternative.words]
        assert all(segment.start_ms <= s <= e <= segment.end_ms for s, e in times)
        assert times == sorted(times)


def test_short_context_keeps_english_and_telugu_apart_at_a_fraction_of_the_frames(model, jfk, te_rows):
    cache = encoder.install(model.whisper)
    cache._cache.clear()
    seen, inner = [], cache._encode
    cache._encode = lambda features: seen.append(features.shape[-1]) or inner(features)
    try:
        with encoder.short_context():
            p_jfk = detect_languages(model, load_audio(jfk[0]).samples)["en"]
            p_te = [detect_languages(model, load_audio(row["path"]).samples)["en"] for row in te_rows[:4]]
    finally:
        cache._encode = inner
    assert p_jfk > 0.9 and max(p_te) < 0.1  # the stage's bars: 0.3, and 0.1 for sure English
    assert len(seen) == 5 and max(seen) <= 1400
