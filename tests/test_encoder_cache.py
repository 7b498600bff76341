"""The encoder cache: the same features encode once; other features, and old ones, encode again."""

import numpy as np

from nishabdham.pipeline.decode import encoder


def test_encoder_cache_returns_the_same_output_for_the_same_features_only():
    calls = []
    cache = encoder.CachedEncoder(lambda features: calls.append(features.sum()) or len(calls))
    a, b = np.zeros((80, 3000), np.float32), np.ones((80, 3000), np.float32)
    assert cache(a) == 1 and cache(a) == 1 and cache(b) == 2 and cache.hits == 1
    for i in range(encoder.SIZE):  # older outputs make way for newer ones
        cache(np.full((80, 3000), i + 2, np.float32))
    assert cache(a) == len(calls) and cache.hits == 1


def test_short_context_cuts_the_zero_padding_to_a_second_after_the_audio():
    features = np.zeros((80, 3000), np.float32)
    features[:, :437] = 0.5  # 4.37 s of audio, then Whisper's zero padding
    assert encoder.trimmed(features).shape == (80, 600)  # the audio, a second of silence, in 100s
    features[:, :60] = 0.5
    features[:, 60:437] = 0.0
    assert encoder.trimmed(features).shape == (80, encoder.MIN_FRAMES)
    full = np.full((80, 3000), 0.25, np.float32)
    assert encoder.trimmed(full) is full  # a full window keeps its 30 s


def test_short_context_applies_only_inside_its_block():
    seen = []
    cache = encoder.CachedEncoder(lambda features: seen.append(features.shape[-1]) or len(seen))
    features = np.zeros((80, 3000), np.float32)
    features[:, :1000] = 1.0
    cache(features)
    with encoder.short_context():
        cache(features)
    assert seen == [3000, 1100]
