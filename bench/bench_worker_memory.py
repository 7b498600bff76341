"""A worker's resident memory from job to job, with and without handing free heap pages back.

One process per mode, each like a queue worker with the soak's settings (Telugu, greedy, one
thread, one decoding worker; arenas capped, model and word lists loaded in the warm-up), runs
the 15 dev clips and 5 again, one after another, and prints its resident memory after each job.
``release`` calls ``nishabdham.process.release_free_memory`` after each job, as the worker task
does; ``keep`` does not. The two modes run one after the other in this one call.

    .venv/bin/python bench/bench_worker_memory.py [--jobs 20]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {
    "NISHABDHAM_LANGUAGE": "te",
    "NISHABDHAM_DECODE__BEAM_SIZE": "1",
    "NISHABDHAM_CPU_THREADS": "1",
    "NISHABDHAM_DECODE_WORKERS": "1",
}


def rss_mib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024)
    return 0


def worker(mode: str, jobs: int, dev: str) -> None:
    sys.path.insert(0, str(ROOT))
    from nishabdham.process import limit_malloc_arenas, release_free_memory

    limit_malloc_arenas()
    from nishabdham.settings import Settings
    from nishabdham.workers.tasks import WorkerRuntime

    runtime = WorkerRuntime.__new__(WorkerRuntime)  # no job store: only the pipeline is measured
    runtime.settings, runtime.pid, runtime._pipeline = Settings(), os.getpid(), None
    runtime.warm_up()
    pipeline = runtime.pipeline(runtime.settings.pipeline_options())
    clips = sorted(glob.glob(f"{dev}/te_cv/audio/*.wav"))
    after = []
    for n in range(jobs):
        pipeline.run(clips[n % len(clips)])
        if mode == "release":
            release_free_memory()
        after.append(rss_mib())
    print(json.dumps({"mode": mode, "rss_mib_after_each_job": after, "min": min(after), "max": max(after)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--dev", default=os.environ.get("NISHABDHAM_DEV_DATA", str(ROOT.parent / "shared/data/dev")))
    parser.add_argument("--mode", choices=("keep", "release"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        worker(args.mode, args.jobs, args.dev)
        return
    for mode in ("keep", "release"):
        command = [sys.executable, __file__, "--mode", mode, "--jobs", str(args.jobs), "--dev", args.dev]
        out = subprocess.run(command, env=os.environ | SETTINGS, capture_output=True, text=True, check=True)
        print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
