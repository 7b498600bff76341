"""Whisper's encoder for short stretches: a small cache, and a short context for short audio.

**Cache.**
The code-switch stage asks Whisper's language detector about a stretch of speech and then,
often, decodes that same stretch again (romanizing a line Whisper translated, or as plain
English). Both start by encoding the same 30 s of features, the most expensive step of a
short decode. faster-whisper's ``WhisperModel.encode`` is wrapped once per model with a cache
of the last :data:`SIZE` outputs, keyed by a hash of the features: identical input, identical
output, so nothing else changes.

**Short context.** Whisper always encodes 30 s of features, the audio padded with zeros; a
3 s stretch costs as much as a full window. Within :func:`short_context`, the zero padding
is cut to :data:`PAD_FRAMES` after the audio (at least :data:`MIN_FRAMES` in all), and the
encoder runs on that (CTranslate2 accepts shorter inputs; the decoder attends to fewer
frames; whisper.cpp's ``audio_ctx`` does the same). Measured on the dev clips and JFK: the
encoder costs a tenth (1.6 s of CPU against 18.4 s for 16 clips), and the language
detector's probability of English stays on the same side of every bar (Telugu at most
0.069 against 0.058 with full context; JFK 0.967 against 0.943). The code-switch stage's
language checks use it. Decoding does not: with a short context base decodes a short stretch
worse (JFK's "And so my fellow Americans" came back "and so my fellow American", less sure,
with one second of silence; right again only with about ten).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

#: Encoder outputs kept (whisper-base: about 3 MB each, 30 s of audio).
SIZE = 8
#: Short context: silence frames kept after the audio (10 ms each), and the fewest frames encoded
#: (hand-set, not tuned: a second of silence after the speech, as Whisper sees at the end of a window).
PAD_FRAMES = 100
MIN_FRAMES = 500


class _Context(threading.local):
    short = False


_CONTEXT = _Context()


@contextmanager
def short_context() -> Iterator[None]:
    """Within this block, this thread's encodes drop the zero padding beyond :data:`PAD_FRAMES`."""
    before, _CONTEXT.short = _CONTEXT.short, True
    try:
        yield
    finally:
        _CONTEXT.short = before


def trimmed(features: np.ndarray) -> np.ndarray:
    """``features`` without the zero padding after the audio beyond :data:`PAD_FRAMES`."""
    frames = features.shape[-1]
    silent = ~np.any(features.reshape(-1, frames) != 0.0, axis=0)  # all-zero frames: the padding
    content = frames - int(np.argmin(silent[::-1])) if not silent.all() else 0
    keep = min(frames, max(MIN_FRAMES, -(-(content + PAD_FRAMES) // 100) * 100))
    return features[..., :keep] if keep < frames else features


class CachedEncoder:
    """``encode(features)`` with the last :data:`SIZE` results kept, keyed by the features' hash."""

    def __init__(self, encode) -> None:
        self._encode = encode
        self._cache: OrderedDict[bytes, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def __call__(self, features: np.ndarray):
        if _CONTEXT.short:
            features = np.ascontiguousarray(trimmed(features))
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
