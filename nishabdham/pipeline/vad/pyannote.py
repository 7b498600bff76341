"""Speech, overlapped speech and speaker changes from pyannote's segmentation-3.0, offline.

segmentation-3.0 looks at 10 s chunks and says, every ~17 ms, which of up to three
*local* speakers talk. One pass over the recording (chunks every ``pyannote_step_s``)
gives three curves, each aggregated over the chunks that cover a frame:

* speech: some speaker talks (music, applause and silence are none of them);
* overlap: two speakers talk at once;
* change: a speaker starts while another one talked within ``change_context_ms``
  (local speaker identities are only meaningful inside one chunk, so a change is
  decided per chunk and then voted on across chunks).

Speech regions come out as :class:`nishabdham.pipeline.vad.SpeechRegion` lists, exactly like the
Silero backend's, so windowing and decoding do not change. pyannote.audio is imported
lazily, through :func:`nishabdham.pipeline.speakers.pyannote_models.import_pyannote`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from nishabdham.pipeline.speakers.pyannote_models import (
    import_pyannote,
    load_segmentation_model,
    locate_segmentation,
    torch_threads,
)
from nishabdham.pipeline.vad.regions import SpeechRegion, VadOptions

log = logging.getLogger(__name__)

_DILATE_S = 0.15


@dataclass(frozen=True, slots=True)
class SpeechActivity:
    """What segmentation-3.0 found in one recording (times in ms)."""

    speech: tuple[SpeechRegion, ...]
    overlap: tuple[SpeechRegion, ...]
    changes_ms: tuple[int, ...]
    """Times where one speaker hands over to another (or a second one joins)."""


def speech_regions(samples: np.ndarray, sample_rate: int, options: VadOptions) -> list[SpeechRegion]:
    """Speech regions, padded and merged like Silero's, each at most ``window_s - 1`` long."""
    return list(detect(samples, sample_rate, options).speech)


def detect(samples: np.ndarray, sample_rate: int, options: VadOptions) -> SpeechActivity:
    """Run segmentation-3.0 once over ``samples`` (mono float32) and read off all three curves."""
    duration_ms = int(round(1000 * len(samples) / sample_rate))
    if len(samples) < sample_rate // 10:
        return SpeechActivity((), (), ())
    curves, frame_ms = _curves(samples, sample_rate, options)
    speech = _regions(curves[:, 0] >= options.threshold, frame_ms)
    speech = _smooth(speech, options, duration_ms)
    speech = _cap_length(speech, curves[:, 0], frame_ms, int(options.window_s * 1000) - 1000)
    overlap = _regions(curves[:, 1] >= options.threshold, frame_ms)
    overlap = [r for r in overlap if r.end_ms - r.start_ms >= options.min_speech_ms // 2]
    changes = _peaks(curves[:, 2], options.threshold, frame_ms)
    log.info("pyannote: %d speech regions, %d overlaps, %d speaker changes", len(speech), len(overlap), len(changes))
    return SpeechActivity(tuple(speech), tuple(overlap), tuple(changes))


def _curves(samples: np.ndarray, sample_rate: int, options: VadOptions) -> tuple[np.ndarray, float]:
    """Frame-level (speech, overlap, change) scores in [0, 1] and the frame step in ms."""
    import_pyannote("--vad pyannote")
    import torch
    from pyannote.audio import Inference

    model = load_segmentation_model(str(locate_segmentation(options.pyannote_model)))
    frames = model.receptive_field
    context = max(1, int(round(options.change_context_ms / 1000 / frames.step)))
    dilate = max(1, int(round(_DILATE_S / frames.step)))
    step = min(options.pyannote_step_s, model.specifications.duration)

    def per_chunk(scores: np.ndarray) -> np.ndarray:
        return chunk_curves(scores, context, dilate)

    inference = Inference(model, step=step, pre_aggregation_hook=per_chunk, device=torch.device("cpu"))
    waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None]
    with torch.inference_mode(), torch_threads(options.pyannote_threads):
        result = inference({"waveform": waveform, "sample_rate": sample_rate})
    data = np.nan_to_num(np.asarray(result.data, dtype=np.float32))
    start_ms = 1000 * result.sliding_window.start
    if start_ms > 0:  # pad so that frame i starts at i * step
        data = np.concatenate([np.zeros((int(round(start_ms / (1000 * frames.step))), 3), np.float32), data])
    return data, 1000 * frames.step


def chunk_curves(scores: np.ndarray, context: int, dilate: int) -> np.ndarray:
    """Per chunk and frame: (speech, overlap, change) from local speaker activities.

    ``scores`` is (chunks, frames, speakers) with each speaker active or not (pyannote
    converts the powerset output to one activity per local speaker). A change is a frame
    where a speaker becomes active while another one was active within the last
    ``context`` frames; it is widened by ``dilate`` frames so that votes from chunks that
    disagree by a frame or two still add up.
    """
    from scipy.ndimage import maximum_filter1d

    active = scores > 0.5
    chunks, frames, speakers = active.shape
    count = active.sum(axis=2)
    change = np.zeros((chunks, frames), dtype=bool)
    for s in range(speakers):
        onset = np.zeros((chunks, frames), dtype=bool)
        onset[:, 1:] = active[:, 1:, s] & ~active[:, :-1, s]
        others = np.delete(active, s, axis=2).any(axis=2)
        cumulative = np.concatenate([np.zeros((chunks, 1)), np.cumsum(others, axis=1)], axis=1)
        index = np.arange(frames)
        recent = cumulative[:, index] - cumulative[:, np.maximum(0, index - context)] > 0
        change |= onset & recent
    change = maximum_filter1d(change.astype(np.float32), size=2 * dilate + 1, axis=1)
    return np.stack([count >= 1, count >= 2, change > 0], axis=-1).astype(np.float32)


def _regions(mask: np.ndarray, frame_ms: float) -> list[SpeechRegion]:
    """Runs of True frames as regions."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [SpeechRegion(int(a * frame_ms), int(b * frame_ms)) for a, b in zip(edges[::2], edges[1::2])]


def _smooth(regions: list[SpeechRegion], options: VadOptions, duration_ms: int) -> list[SpeechRegion]:
    """Bridge short pauses, drop short blips, pad both sides (Silero's rules, same options)."""
    merged: list[SpeechRegion] = []
    for region in regions:
        if merged and region.start_ms - merged[-1].end_ms < options.min_silence_ms:
            merged[-1] = SpeechRegion(merged[-1].start_ms, region.end_ms)
        else:
            merged.append(region)
    kept = [r for r in merged if r.end_ms - r.start_ms >= options.min_speech_ms]
    out: list[SpeechRegion] = []
    for region in kept:
        start = max(0, region.start_ms - options.speech_pad_ms)
        end = min(duration_ms, region.end_ms + options.speech_pad_ms)
        if out and start <= out[-1].end_ms:
            out[-1] = SpeechRegion(out[-1].start_ms, max(end, out[-1].end_ms))
        else:
            out.append(SpeechRegion(start, end))
    return out


def _cap_length(regions: list[SpeechRegion], speech: np.ndarray, frame_ms: float, limit_ms: int) -> list[SpeechRegion]:
    """Split regions longer than ``limit_ms`` where speech is least likely (never mid-word if avoidable)."""
    out: list[SpeechRegion] = []
    for region in regions:
        start = region.start_ms
        while region.end_ms - start > limit_ms:
            lo, hi = int((start + limit_ms // 2) / frame_ms), int((start + limit_ms) / frame_ms)
            window = speech[lo:hi]
            cut = int((lo + int(np.argmin(window))) * frame_ms) if len(window) else start + limit_ms
            out.append(SpeechRegion(start, cut))
            start = cut
        out.append(SpeechRegion(start, region.end_ms))
    return out


def _peaks(change: np.ndarray, threshold: float, frame_ms: float) -> list[int]:
    """One time per run of frames above ``threshold``: the run's highest point (its middle on ties)."""
    times = []
    for region in _regions(change >= threshold, 1.0):
        run = change[region.start_ms : region.end_ms]
        best = np.flatnonzero(run == run.max())
        times.append(int((region.start_ms + best[len(best) // 2]) * frame_ms))
    return times
