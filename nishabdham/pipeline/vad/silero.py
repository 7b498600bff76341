"""Silero VAD (the ONNX model shipped in faster-whisper), run over bounded pieces of a recording."""

from __future__ import annotations

import numpy as np

from nishabdham.pipeline.vad.regions import SpeechRegion, VadOptions


def speech_regions(samples: np.ndarray, sample_rate: int, options: VadOptions = VadOptions()) -> list[SpeechRegion]:
    """Speech regions found by Silero VAD (the ONNX model shipped in faster-whisper)."""
    if len(samples) < sample_rate // 10:
        return []
    from faster_whisper.vad import VadOptions as SileroOptions
    from faster_whisper.vad import get_speech_timestamps

    silero = SileroOptions(
        threshold=options.threshold,
        min_speech_duration_ms=options.min_speech_ms,
        max_speech_duration_s=options.window_s - 1.0,
        min_silence_duration_ms=options.min_silence_ms,
        speech_pad_ms=options.speech_pad_ms,
    )
    to_ms = 1000 / sample_rate
    regions = []
    for start, end in _vad_chunks(samples, sample_rate, VAD_CHUNK_S):
        for stamp in get_speech_timestamps(samples[start:end], silero, sampling_rate=sample_rate):
            regions.append(SpeechRegion(int((start + stamp["start"]) * to_ms), int((start + stamp["end"]) * to_ms)))
    return regions


#: Silero runs over pieces of this length: its buffers hold about three copies of what it is given.
VAD_CHUNK_S = 600


def _vad_chunks(
    samples: np.ndarray, sample_rate: int, chunk_s: int = VAD_CHUNK_S, search_s: float = 2.0
) -> list[tuple[int, int]]:
    """Pieces of about ``chunk_s``, each cut at the quietest 20 ms within ``search_s`` of its nominal end."""
    chunk, search, frame = chunk_s * sample_rate, int(search_s * sample_rate), sample_rate // 50
    bounds, start = [], 0
    while len(samples) - start > chunk + search:
        lo = start + chunk - search
        frames = samples[lo : lo + 2 * search].reshape(-1, frame)
        cut = lo + int(np.argmin(np.mean(frames * frames, axis=1))) * frame + frame // 2
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(samples)))
    return bounds
