"""What the code-switch stage costs against transcription, on the 5-minute benchmark recording.

The recording is bench_transcribe.py's (dev clips, Telugu and English, joined with pauses).
The pipeline runs in this process; for each run the CPU seconds of the whole process (all
threads) spent in transcription and in the code-switch stage are measured, with what the
stage asked of the recogniser (language checks, re-decodes) counted. CPU time, not wall
time: the machine is shared, and wall time is inflated by other jobs. Variants alternate
within one run (``--variants``), so they see the same machine.

    .venv/bin/python bench/bench_stage_cost.py [--minutes 5] [--rounds 2] [--variants default,nbest]

The budget (issue 12): the stage's extra cost at most 25 % of transcription time.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_transcribe import make_recording  # noqa: E402

from nishabdham.pipeline import runner  # noqa: E402
from nishabdham.pipeline.codeswitch import english, redecode  # noqa: E402
from nishabdham.pipeline.decode import encoder  # noqa: E402
from nishabdham.pipeline.runner import Pipeline, PipelineOptions  # noqa: E402

#: name: (code-switch options changed, encoder cache size)
VARIANTS = {
    "default": ({}, encoder.SIZE),
    "full-context": ({"short_context": False}, encoder.SIZE),
    "no-encoder-cache": ({"short_context": False}, 0),
    "nbest": ({"nbest": 5}, encoder.SIZE),
}


class _Counting:
    """Counts the stage's questions to the recogniser (and their CPU seconds)."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        self.seconds: Counter = Counter()
        self.original = redecode.Redecodes

    def install(self) -> None:
        counting = self

        class Counted(self.original):
            pass

        for name in ("pivot", "english_probability", "english", "rescue", "romanize"):

            def wrapped(self, *args, _name=name, **kwargs):
                started = time.process_time()
                try:
                    return getattr(counting.original, _name)(self, *args, **kwargs)
                finally:
                    counting.calls[_name] += 1
                    counting.seconds[_name] += time.process_time() - started

            setattr(Counted, name, wrapped)
        redecode.Redecodes = runner.Redecodes = Counted

    def uninstall(self) -> None:
        redecode.Redecodes = runner.Redecodes = self.original


def _cpu_timed(function, name: str, spent: dict[str, float]):
    """``function``, with the process's CPU seconds during each call written to ``spent[name]``."""

    def timed(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = time.process_time() - started

    return timed


def run_once(pipeline: Pipeline, recording: Path) -> dict:
    """CPU seconds of transcription and of the stage for one run of the pipeline."""
    spent: dict[str, float] = {}
    original_transcribe, original_process = runner.transcribe, pipeline.codeswitch.process

    runner.transcribe = _cpu_timed(original_transcribe, "transcribe", spent)
    pipeline.codeswitch.process = _cpu_timed(original_process, "codeswitch", spent)
    counting = _Counting()
    counting.install()
    wall = time.perf_counter()
    try:
        transcript = pipeline.run(recording)
    finally:
        runner.transcribe = original_transcribe
        pipeline.codeswitch.process = original_process
        counting.uninstall()
    return {
        "transcribe_cpu_s": round(spent["transcribe"], 1),
        "codeswitch_cpu_s": round(spent["codeswitch"], 1),
        "share": round(spent["codeswitch"] / spent["transcribe"], 3),
        "wall_s": round(time.perf_counter() - wall, 1),
        "asked": dict(counting.calls),
        "asked_cpu_s": {k: round(v, 1) for k, v in counting.seconds.items()},
        "cues": len(transcript.cues),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", default=str(ROOT.parent / "shared" / "data" / "dev"))
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--variants", default="default", help=f"comma-separated, of {', '.join(VARIANTS)}")
    parser.add_argument("--json", help="write the results as JSON")
    args = parser.parse_args()
    options = PipelineOptions()
    pipelines = {
        name: Pipeline(replace(options, codeswitch=replace(options.codeswitch, **VARIANTS[name][0])))
        for name in args.variants.split(",")
    }
    model = None
    results: dict[str, list[dict]] = {name: [] for name in pipelines}
    with tempfile.TemporaryDirectory() as tmp:
        recording = make_recording(Path(args.dev), args.minutes, Path(tmp) / "bench.wav")
        for pipeline in pipelines.values():  # one model for all variants; word lists loaded before timing
            model = model or pipeline.model
            pipeline._model = model
            _ = pipeline.codeswitch.restorer, pipeline.codeswitch.glossary, english.log_prob("the")
        for round_ in range(args.rounds):
            for name, pipeline in pipelines.items():
                encoder.SIZE = VARIANTS[name][1]
                result = run_once(pipeline, recording)
                results[name].append(result)
                print(f"round {round_ + 1} {name}: {json.dumps(result)}", flush=True)
    for name, rounds in results.items():
        shares = [r["share"] for r in rounds]
        print(f"{name}: stage / transcription CPU = {', '.join(f'{s:.1%}' for s in shares)}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
