"""The soak: a festival's worth of short recordings through two workers on PostgreSQL and Redis, with faults.

While the jobs run, the test SIGKILLs worker A every ~``SOAK_KILL_EVERY_S`` seconds (its pool process
and the whole worker, in turn; a killed worker is started again), restarts Redis once (its queue
lost; the operator's ``batch --resume`` sends the unfinished jobs again) and restarts PostgreSQL
once (killed, down a few seconds). Worker B is never killed: its pool process is the witness for
memory growth. At the end every job is ``done`` exactly once or ``failed`` with a reason, every
output file is complete and agrees with its JSON, and no job did its work twice.

``make soak`` runs 200 recordings and writes the figures to ``test-artifacts/soak-200.json``; the
default (CI, ``make test``) is 20 recordings, one kill, one Redis and one PostgreSQL restart.
Environment: ``SOAK_JOBS``, ``SOAK_KILL_EVERY_S``, ``SOAK_MAX_KILLS`` (0: no limit),
``SOAK_CLIP_S`` (longest recording).
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import statistics
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from nishabdham.pipeline.cues.subtitles import parse_srt
from nishabdham.workers.store import DONE, FAILED
from tests.conftest import write_wav
from tests.queue_support import QueueHarness, Worker

pytestmark = [pytest.mark.queue, pytest.mark.model, pytest.mark.postgres, pytest.mark.soak]
log = logging.getLogger(__name__)

JOBS = int(os.environ.get("SOAK_JOBS", "20"))
KILL_EVERY_S = float(os.environ.get("SOAK_KILL_EVERY_S", "20"))
MAX_KILLS = int(os.environ.get("SOAK_MAX_KILLS", "1" if JOBS <= 20 else "0"))
#: The witness's settled memory over the last jobs may exceed that over the first by this factor at
#: most (allocator noise; a leak of even 1 MiB a job over 200 jobs would show). Settled memory is the
#: floor of the RSS samples in a window, the process between jobs: a sample taken mid-decode also
#: holds that clip's working memory (up to ~200 MiB more on some clips), which says nothing about a
#: leak and made the median of 20 jobs swing by that much.
MEMORY_GROWTH = 1.15
#: Jobs before the first window: the first decodes touch the lexicon's mapped pages and fill the
#: caches, memory that is paid once, not grown.
WARM_UP_JOBS = 2
CLIP_S = float(os.environ.get("SOAK_CLIP_S", "4.0"))
#: The fastest settings that still run the whole real pipeline with the bundled model.
FAST = {
    "NISHABDHAM_LANGUAGE": "te",
    "NISHABDHAM_DECODE__BEAM_SIZE": "1",
    "NISHABDHAM_CPU_THREADS": "1",
    "NISHABDHAM_DECODE_WORKERS": "1",
    "NISHABDHAM_JOB_LEASE_S": "10",
}
SET = (".srt", ".vtt", ".json", ".qa.json")


def festival(folder: Path, rows: list[dict], count: int) -> list[Path]:
    """``count`` distinct short recordings: the dev clips cut to ``CLIP_S``, each copy at another gain."""
    clips = []
    for row in rows:
        samples, rate = soundfile.read(row["path"], dtype="float32")
        clips.append(samples[: int(CLIP_S * rate)])
    paths = []
    for n in range(count):
        copy, clip = divmod(n, len(clips))
        path = folder / f"day{n % 3 + 1}" / f"reading{n:03d}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        paths.append(write_wav(path, clips[clip] * (1.0 - 0.015 * copy)))
    return paths


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class FaultInjector:
    """Kills worker A in turn (pool process, whole worker) and starts it again; counts what it did."""

    def __init__(self, queue: QueueHarness, worker_a: Worker) -> None:
        self.queue, self.a = queue, worker_a
        self.kills: list[dict] = []
        self.started = self.last_kill = time.monotonic()
        self.ready_seen = worker_a.log().count("ready: model")

    def a_ready(self) -> bool:
        return self.a.alive() and bool(self.a.pool_pids()) and self.a.log().count("ready: model") > self.ready_seen

    def maybe_kill(self, store) -> None:
        if MAX_KILLS and len(self.kills) >= MAX_KILLS:
            return
        if time.monotonic() - self.last_kill < KILL_EVERY_S or not (self.a_ready() or not self.kills):
            return
        running = [j.id for j in store.list_jobs(states=["running"]) if j.worker.split(":")[-1] in self._pids()]
        kind = "worker" if len(self.kills) % 2 == 0 else "pool"
        if kind == "pool":
            for pid in self.a.pool_pids():
                os.kill(pid, signal.SIGKILL)
            self.ready_seen = self.a.log().count("ready: model")
        else:
            self.a.kill()
            self.a = self.queue.worker(via="nishabdham", ready=False)
            self.ready_seen = 0
        self.kills.append({"kind": kind, "t": round(time.monotonic() - self.started, 1), "running_jobs_of_a": running})
        self.last_kill = time.monotonic()

    def _pids(self) -> set[str]:
        return {str(p) for p in self.a.pool_pids()}


def test_soak_with_kills_and_restarts_loses_nothing_and_does_nothing_twice(
    redis_server, postgres_server, te_rows, tmp_path, artifacts
):
    folder, out = tmp_path / "festival", tmp_path / "subtitles"
    sources = festival(folder, te_rows, JOBS)
    audio_s = sum(soundfile.info(str(p)).duration for p in sources)
    queue = QueueHarness(redis_server, tmp_path, database_url=postgres_server.create_database(), **FAST)
    figures: dict = {"jobs": JOBS, "audio_s": round(audio_s, 1), "settings": FAST}
    try:
        started = time.monotonic()
        worker_b = queue.worker(via="nishabdham", ready=False)
        worker_a = queue.worker(via="nishabdham", ready=False)
        worker_b.wait_ready(300)
        worker_a.wait_ready(300)
        figures["workers_ready_s"] = round(time.monotonic() - started, 1)
        store = queue.store()
        result = queue.batch(str(folder), "--out", str(out))
        assert result.returncode == 0, result.stdout + result.stderr
        figures |= run_with_faults(queue, store, postgres_server, worker_b, worker_a, folder, out)
        # The operator's summary: the same folder again does no work and every file is accounted for.
        final = queue.batch(str(folder), "--out", str(out), "--wait", "--no-progress", timeout_s=600)
        figures["final_batch"] = final.stdout.strip().splitlines()[-1]
        figures |= check_outcome(queue, store, sources, folder, out, figures)
    finally:
        figures["worker_logs_tail"] = queue.logs()[-2000:]
        queue.stop()
        path = artifacts / f"soak-{JOBS}.json"
        path.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
        print(json.dumps({k: v for k, v in figures.items() if k != "worker_logs_tail"}, indent=2))
    assert final.returncode == (1 if figures["failed"] else 0), final.stdout + final.stderr
    assert f"skipped (already done): {figures['done']}" in final.stdout
    first, last = figures["witness_rss_mib_first"], figures["witness_rss_mib_last"]
    assert last <= first * MEMORY_GROWTH, (
        f"worker's settled memory grew from {first} MiB (first jobs) to {last} MiB (last jobs)"
    )


def run_with_faults(queue, store, postgres, witness: Worker, worker_a: Worker, folder: Path, out: Path) -> dict:
    """Drive the faults until every job is finished; sample the witness's memory against jobs done."""
    faults = FaultInjector(queue, worker_a)
    events: list[dict] = []
    memory: list[tuple[int, float]] = []
    started = last_change = time.monotonic()
    last_counts: dict = {}
    deadline = started + 300 + 30 * JOBS
    while True:
        counts = store.counts()
        finished = counts[DONE] + counts[FAILED]
        if counts != last_counts:
            last_counts, last_change = counts, time.monotonic()
        for pid in witness.pool_pids():
            rss = rss_mib(pid)
            if rss is not None:
                memory.append((finished, rss))
        if finished == JOBS:
            break
        now = time.monotonic()
        assert now < deadline, f"the soak ran out of time: {counts}\n{queue.logs()}"
        assert now - last_change < 240, f"no job moved for 4 minutes: {counts}\n{queue.logs()}"
        if finished >= JOBS // 3 and not any(e["fault"] == "redis" for e in events):
            queue.redis.restart()  # no persistence: every queued message is lost
            resumed = queue.batch(str(folder), "--out", str(out), "--resume")
            assert resumed.returncode == 0, resumed.stdout + resumed.stderr
            sent = int(re.search(r"(\d+) sent to the workers", resumed.stdout).group(1))
            events.append({"fault": "redis", "t": round(now - started, 1), "done": finished, "resent": sent})
        elif finished >= 2 * JOBS // 3 and not any(e["fault"] == "postgres" for e in events):
            postgres.restart(down_s=3.0)
            events.append({"fault": "postgres", "t": round(now - started, 1), "done": finished})
        else:
            faults.maybe_kill(store)
        time.sleep(0.5)
    wall_s = time.monotonic() - started
    window = max(1, min(50, JOBS // 4))
    first = [rss for done, rss in memory if WARM_UP_JOBS <= done < WARM_UP_JOBS + window]
    last = [rss for done, rss in memory if done >= JOBS - window]
    return {
        "wall_s": round(wall_s, 1),
        "jobs_per_min": round(60 * JOBS / wall_s, 1),
        "kills": faults.kills,
        "restarts": events,
        "memory_window_jobs": window,
        "witness_rss_mib_first": round(min(first), 1) if first else None,
        "witness_rss_mib_last": round(min(last), 1) if last else None,
        "witness_rss_mib_median_first_last": [round(statistics.median(f), 1) if f else None for f in (first, last)],
        "witness_rss_mib_peak": round(max(rss for _, rss in memory), 1) if memory else None,
        "witness_rss_mib_by_jobs_done": memory_curve(memory),
    }


def memory_curve(memory: list[tuple[int, float]], buckets: int = 10) -> dict[str, float]:
    """Median RSS of the witness per tenth of the jobs done (does it level off, or keep climbing?)."""
    size = max(1, JOBS // buckets)
    curve: dict[str, float] = {}
    for start in range(0, JOBS, size):
        samples = [rss for done, rss in memory if start <= done < start + size]
        if samples:
            curve[f"{start}-{min(JOBS, start + size) - 1}"] = round(statistics.median(samples), 1)
    return curve


def check_outcome(queue, store, sources, folder: Path, out: Path, figures: dict) -> dict:
    jobs = store.list_jobs(limit=None)
    by_source = {j.source: j for j in jobs}
    assert len(jobs) == JOBS and set(by_source) == {str(p.resolve()) for p in sources}  # lost: 0
    failed = [j for j in jobs if j.state == FAILED]
    assert all(j.error for j in failed), [(j.source, j.error) for j in failed]
    done_twice, lost_attempts = [], 0
    for job in jobs:
        attempts = store.attempts(job.id)
        outcomes = [a.outcome for a in attempts]
        lost_attempts += outcomes.count("lost")
        if outcomes.count("done") != (1 if job.state == DONE else 0):
            done_twice.append((job.source, outcomes))
    assert done_twice == [], done_twice  # duplicated work: 0
    kills = figures["kills"]
    assert lost_attempts <= len(kills), (lost_attempts, kills)  # a kill costs at most the one job it interrupted
    assert len(kills) >= 1 and {e["fault"] for e in figures["restarts"]} == {"redis", "postgres"}
    for source in sources:
        job = by_source[str(source.resolve())]
        if job.state == DONE:
            check_files(out / source.parent.name, source.stem, job)
    leftovers = [p for p in out.rglob(".*.tmp")]
    assert leftovers == []
    logs = queue.logs(tail=None)
    return {
        "done": sum(j.state == DONE for j in jobs),
        "failed": len(failed),
        "failed_reasons": [j.error for j in failed],
        "lost": 0,
        "duplicated_outputs": 0,
        "lost_attempts_redone": lost_attempts,
        "repeated_messages_skipped": len(re.findall(r"nothing to do \((?:finished|busy)\)", logs)),
        "audio_s_done": round(sum(j.audio_ms or 0 for j in jobs) / 1000, 1),
    }


def check_files(out_dir: Path, stem: str, job) -> None:
    """Exactly the job's files, each once and whole: the JSON parses, the SRT and WebVTT agree with it cue for cue."""
    names = sorted(p.name for p in out_dir.iterdir() if p.name.startswith((stem + ".", "." + stem + ".")))
    assert names == sorted(Path(p).name for p in job.outputs) and set(names) >= {stem + s for s in SET}, names
    transcript = json.loads((out_dir / f"{stem}.json").read_text(encoding="utf-8"))
    assert transcript["source"] == job.source
    starts = [c["start_ms"] for c in transcript["cues"]]
    assert [c.start_ms for c in parse_srt((out_dir / f"{stem}.srt").read_text(encoding="utf-8"))] == starts
    vtt = (out_dir / f"{stem}.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and vtt.count(" --> ") == len(starts)
    qa = json.loads((out_dir / f"{stem}.qa.json").read_text(encoding="utf-8"))
    assert qa["source"] == job.source and isinstance(qa["issues"], list)
    assert np.isfinite(transcript["duration_ms"]) and transcript["duration_ms"] > 0
