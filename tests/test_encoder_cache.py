"""The encoder cache: the same features encode once; other features, and old ones, encode again."""

import numpy as np

from nishabdham.pipeline import encoder


def test_encoder_cache_returns_the_same_output_for_the_same_features_only():
    calls = []
    cache = encoder.CachedEncoder(lambda features: calls.append(features.sum()) or len(calls))
    a, b = np.zeros((80, 3000), np.float32), np.ones((80, 3000), np.float32)
    assert cache(a) == 1 and cache(a) == 1 and cache(b) == 2 and cache.hits == 1
    for i in range(encoder.SIZE):  # older outputs make way for newer ones
        cache(np.full((80, 3000), i + 2, np.float32))
    assert cache(a) == len(calls) and cache.hits == 1
