"""Queue against one process, on the same 20 short recordings, in one run (a benchmark, not a test).

    .venv/bin/python bench/bench_queue.py [--rounds 2] [--json bench/results/queue.json]

Measures, side by side and alternating so that other load on the machine falls on both:

- ``transcribe``: ``nishabdham transcribe`` on all files in one process (start-up and model load included);
- ``queue, warm``: ``nishabdham batch --wait`` with one worker already running (how a queue is used);
- ``queue, cold``: the same, with the worker's start-up (process, Celery, model load) counted too;
- ``two workers``: the same batch with two workers (warm) on this machine, with the default
  model threads and with one thread each, and the memory of each worker (peak RSS, and PSS,
  which counts pages shared between processes once).

Every round runs all four; the figures are medians over the rounds.

Needs redis-server and the dev data (``../shared/data/dev`` or ``NISHABDHAM_DEV_DATA``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.queue_support import RedisServer, Worker, nishabdham, queue_env  # noqa: E402

DEV_DATA = Path(os.environ.get("NISHABDHAM_DEV_DATA", ROOT.parent / "shared" / "data" / "dev"))


def recordings(folder: Path, count: int) -> float:
    """``count`` distinct short recordings from the dev clips (the first ones again, trimmed); total seconds."""
    clips = sorted((DEV_DATA / "te_cv" / "audio").glob("*.wav"))
    if not clips:
        sys.exit(f"no dev clips under {DEV_DATA}; set NISHABDHAM_DEV_DATA")
    folder.mkdir(parents=True)
    total = 0.0
    for n in range(count):
        samples, rate = soundfile.read(str(clips[n % len(clips)]), dtype="float32")
        if n >= len(clips):  # a distinct recording: 0.5 s of silence less at the end
            samples = samples[: max(rate, len(samples) - rate // 2)]
        soundfile.write(str(folder / f"reading{n:02d}.wav"), np.asarray(samples), rate, subtype="PCM_16")
        total += len(samples) / rate
    return total


def timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def memory(pid: int) -> dict[str, float]:
    """Peak RSS and current PSS of one process, MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    hwm = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    pss = next(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    return {"peak_rss_mib": round(hwm / 1024, 1), "pss_mib": round(pss / 1024, 1)}


class Bench:
    def __init__(self, work: Path, folder: Path, redis: RedisServer) -> None:
        self.work, self.folder, self.redis, self.runs = work, folder, redis, 0

    def env(self, **extra: str) -> dict[str, str]:
        self.runs += 1  # a fresh job store each run, or the second run would find every job done
        return queue_env(self.redis, self.work / f"data{self.runs}", **extra)

    def transcribe(self) -> float:
        out = self.work / f"inprocess{self.runs}"
        self.runs += 1
        files = sorted(str(p) for p in self.folder.glob("*.wav"))
        return timed(
            lambda: nishabdham(
                "transcribe", *files, "--out", str(out), "--no-progress", env=self.env(), timeout_s=3600, check=True
            )
        )

    def queue(self, workers: int = 1, cold: bool = False, **extra: str) -> tuple[float, list[dict]]:
        self.redis.flush()
        env = self.env(**extra)
        out = self.work / f"queue{self.runs}"
        started = time.perf_counter()
        pool = [Worker(env, self.work / f"worker{self.runs}-{n}.log") for n in range(workers)]
        try:
            for worker in pool:
                worker.wait_ready(timeout_s=600)
            if not cold:
                started = time.perf_counter()
            nishabdham(
                "batch",
                str(self.folder),
                "--out",
                str(out),
                "--wait",
                "--no-progress",
                env=env,
                timeout_s=3600,
                check=True,
            )
            elapsed = time.perf_counter() - started
            mem = [{"main": memory(w.process.pid), "pool": [memory(pid) for pid in w.pool_pids()]} for w in pool]
        finally:
            for worker in pool:
                worker.stop()
        return elapsed, mem


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of in-process and queue runs")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (Redis, workers) when stopped
    work = Path(tempfile.mkdtemp(prefix="nishabdham-bench-"))
    redis = RedisServer(work).start()
    try:
        audio_s = recordings(work / "readings", args.files)
        bench = Bench(work, work / "readings", redis)
        load_before = os.getloadavg()
        inprocess, warm, cold, two, two_single = [], [], [], [], []
        for _ in range(args.rounds):
            inprocess.append(bench.transcribe())
            elapsed, one_memory = bench.queue()
            warm.append(elapsed)
            cold.append(bench.queue(cold=True)[0])
            elapsed, two_memory = bench.queue(workers=2)
            two.append(elapsed)
            two_single.append(bench.queue(workers=2, NISHABDHAM_CPU_THREADS="1")[0])
        load_after = os.getloadavg()
    finally:
        redis.stop()
        shutil.rmtree(work, ignore_errors=True)

    median = statistics.median
    report = {
        "files": args.files,
        "audio_s": round(audio_s, 1),
        "cpus": os.cpu_count(),
        "load_avg_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "transcribe_s": [round(t, 1) for t in inprocess],
        "queue_warm_s": [round(t, 1) for t in warm],
        "queue_cold_s": [round(t, 1) for t in cold],
        "ratio_warm": round(median(warm) / median(inprocess), 3),
        "ratio_cold": round(median(cold) / median(inprocess), 3),
        "two_workers_s": [round(t, 1) for t in two],
        "two_workers_one_thread_each_s": [round(t, 1) for t in two_single],
        "files_per_min": {
            "one_worker": round(60 * args.files / median(warm), 1),
            "two_workers": round(60 * args.files / median(two), 1),
            "two_workers_one_thread_each": round(60 * args.files / median(two_single), 1),
        },
        "audio_s_per_s": {
            "one_worker": round(audio_s / median(warm), 2),
            "two_workers": round(audio_s / median(two), 2),
            "two_workers_one_thread_each": round(audio_s / median(two_single), 2),
        },
        "memory_one_worker": one_memory,
        "memory_two_workers": two_memory,
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
