"""A small cache of Whisper encoder outputs, so the same audio is never encoded twice in a row.

The code-switch stage asks Whisper's language detector about a stretch of speech and then,
often, decodes that same stretch again (romanizing a line Whisper translated, or as plain
English). Both start by encoding the same 30 s of features, the most expensive step of a
short decode. faster-whisper's ``WhisperModel.encode`` is wrapped once per model with a cache
of the last :data:`SIZE` outputs, keyed by a hash of the features: identical input, identical
output, so nothing else changes.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np

#: Encoder outputs kept (whisper-base: about 3 MB each, 30 s of audio).
SIZE = 8


class CachedEncoder:
    """``encode(features)`` with the last :data:`SIZE` results kept, keyed by the features' hash."""

    def __init__(self, encode) -> None:
        self._encode = encode
        self._cache: OrderedDict[bytes, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def __call__(self, features: np.ndarray):
        key = hashlib.blake2b(np.ascontiguousarray(features).tobytes(), digest_size=16).digest()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                self.hits += 1
                return self._cache[key]
        output = self._encode(features)
        with self._lock:
            self._cache[key] = output
            while self._cache and len(self._cache) > SIZE:
                self._cache.popitem(last=False)
        return output


_INSTALL = threading.Lock()


def install(whisper) -> CachedEncoder:
    """Put the cache in front of a faster-whisper model's encoder (once; later calls return it)."""
    with _INSTALL:
        if not isinstance(whisper.encode, CachedEncoder):
            whisper.encode = CachedEncoder(whisper.encode)
        return whisper.encode
