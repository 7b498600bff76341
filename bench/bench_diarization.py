"""What the speaker stage costs: seconds per minute of audio, and detection error rates.

Run in the diarization environment (``make diarization-venv``):

    .venv-diar/bin/python bench/bench_diarization.py [--repeat 2] [--dev-data DIR]

On the issue-7 test recording (speaker A, music and applause, speaker B, A joined to B,
A and B overlapping), repeated ``--repeat`` times, it times Silero VAD (the default),
pyannote segmentation-3.0 (speech + overlap + speaker changes in one pass) and the
diarization pipeline the tests build (segmentation-3.0 + an MFCC-statistics stand-in for
a speaker-embedding model), and reports the detection error rate of both VADs with
pyannote.metrics. Prints one JSON object. Model loading and one warm-up run on 15 s
(torch's start-up) are kept out of the per-minute figures.

``--minutes 5`` (the default; 0 skips it) also times what ``--vad pyannote --diarize`` costs
with the built-in pipeline (segmentation-3.0 + CAM++) on the 5-minute recording of
``bench/bench_transcribe.py``: pyannote VAD plus diarization, per minute of audio, with torch
on 1 thread and on 2 threads, alternating (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.diarization_recording import SR, build  # noqa: E402


def detection_error(turns, regions) -> dict[str, float]:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.detection import DetectionErrorRate

    reference, hypothesis = Annotation(), Annotation()
    for start, end in turns:
        reference[Segment(start / 1000, end / 1000)] = "speech"
    for region in regions:
        hypothesis[Segment(region.start_ms / 1000, region.end_ms / 1000)] = "speech"
    details = DetectionErrorRate()(reference.support(), hypothesis, detailed=True)
    return {k: round(float(v), 4) for k, v in details.items()}


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2, help="copies of the test recording, end to end")
    parser.add_argument("--dev-data", default=str(ROOT.parent / "shared" / "data" / "dev"))
    parser.add_argument("--minutes", type=float, default=5.0, help="built-in pipeline cost on this long a recording")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the built-in cost (best is kept)")
    parser.add_argument("--builtin-only", action="store_true", help="only the built-in pipeline's cost")
    args = parser.parse_args()
    if args.builtin_only:
        print(json.dumps(builtin_cost(Path(args.dev_data), args.minutes, args.rounds), indent=2), flush=True)
        return 0

    from nishabdham.pipeline.speakers.diarize import DiarizeOptions, diarize, load_pipeline
    from nishabdham.pipeline.speakers.pyannote_models import (
        load_segmentation_model,
        locate_segmentation,
        segmentation_dir,
    )
    from nishabdham.pipeline.vad import VadOptions, speech_regions
    from nishabdham.pipeline.vad.pyannote import detect
    from tests.diarization_pipeline import write_pipeline_dir

    one = build(Path(args.dev_data))
    samples = np.concatenate([one.samples] * args.repeat)
    shift = one.duration_ms
    turns = [(t.start_ms + i * shift, t.end_ms + i * shift) for i in range(args.repeat) for t in one.turns]
    minutes = len(samples) / SR / 60

    _, load_s = timed(load_segmentation_model, str(locate_segmentation()))
    warm = one.samples[: 15 * SR]  # the first inference of a process pays torch's start-up: not counted
    speech_regions(warm, SR, VadOptions())
    options = VadOptions(backend="pyannote", speech_pad_ms=0)
    detect(warm, SR, options)
    silero, silero_s = timed(speech_regions, samples, SR, VadOptions(speech_pad_ms=0))
    activity, pyannote_s = timed(detect, samples, SR, options)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_pipeline_dir(Path(tmp), segmentation_dir() / "pytorch_model.bin")
        _, pipeline_load_s = timed(load_pipeline, str(folder))
        diarize(warm, SR, DiarizeOptions(pipeline=str(folder)))
        _, diarize_s = timed(diarize, samples, SR, DiarizeOptions(pipeline=str(folder)))

    report = {
        "audio_s": round(len(samples) / SR, 1),
        "seconds_per_minute_of_audio": {
            "silero_vad": round(silero_s / minutes, 2),
            "pyannote_vad_overlap_changes": round(pyannote_s / minutes, 2),
            "diarization_pipeline": round(diarize_s / minutes, 2),
            "extra_for_vad_pyannote": round((pyannote_s - silero_s) / minutes, 2),
            "extra_for_vad_pyannote_and_diarize": round((pyannote_s + diarize_s - silero_s) / minutes, 2),
        },
        "load_s": {"segmentation_model": round(load_s, 2), "diarization_pipeline": round(pipeline_load_s, 2)},
        "detection_error_rate": {
            "silero": detection_error(turns, silero),
            "pyannote": detection_error(turns, activity.speech),
        },
        "overlap_regions": len(activity.overlap),
        "speaker_changes": len(activity.changes_ms),
    }
    if args.minutes:
        report["builtin_vad_pyannote_and_diarize"] = builtin_cost(Path(args.dev_data), args.minutes, args.rounds)
    print(json.dumps(report, indent=2))
    return 0


def builtin_cost(dev: Path, minutes: float, rounds: int = 2) -> dict:
    """Seconds per minute of audio of ``--vad pyannote --diarize`` (built-in), torch on 1 and on 2 threads."""
    import os

    import soundfile
    import torch

    from bench.bench_transcribe import make_recording
    from nishabdham.pipeline.speakers.diarize import DiarizeOptions, diarize, load_pipeline
    from nishabdham.pipeline.vad import VadOptions
    from nishabdham.pipeline.vad.pyannote import detect

    with tempfile.TemporaryDirectory() as tmp:
        samples, sr = soundfile.read(str(make_recording(dev, minutes, Path(tmp) / "bench.wav")), dtype="float32")
    load_pipeline("builtin")
    diarize(samples[: 15 * sr], sr, DiarizeOptions(pipeline="builtin"))  # warm-up, not counted
    out: dict = {"audio_min": round(len(samples) / sr / 60, 2), "load_average": round(os.getloadavg()[0], 1)}
    for threads in (1, 2) * rounds:
        default = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            activity, vad_s = timed(detect, samples, sr, VadOptions(backend="pyannote"))
        finally:
            torch.set_num_threads(default)
        turns, diar_s = timed(diarize, samples, sr, DiarizeOptions(pipeline="builtin", threads=threads))
        per_min = len(samples) / sr / 60
        row = {
            "vad_pyannote_s_per_min": round(vad_s / per_min, 2),
            "diarize_s_per_min": round(diar_s / per_min, 2),
            "total_s_per_min": round((vad_s + diar_s) / per_min, 2),
            "speakers": len({t.speaker for t in turns}),
        }
        key = f"torch_threads_{threads}"
        best = out.get(key)
        print(key, row, file=sys.stderr, flush=True)
        if best is None or row["total_s_per_min"] < best["total_s_per_min"]:
            out[key] = row  # best of the rounds
    return out


if __name__ == "__main__":
    sys.exit(main())
