"""The faults the queue must survive, each with real worker processes, a real Redis and the real model.

- a worker killed with SIGKILL in the middle of a transcription;
- Redis restarted in the middle of a batch (its queue lost), then ``--resume``;
- good files beside a corrupt, an empty and a non-audio one;
- two ``batch`` commands on the same folder at once.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from nishabdham.pipeline.cues.subtitles import parse_srt
from nishabdham.workers.store import DONE, FAILED
from tests.conftest import ffmpeg, write_wav
from tests.queue_support import start_nishabdham, wait_for

pytestmark = [pytest.mark.queue, pytest.mark.model]

SET = (".srt", ".vtt", ".json", ".qa.json")


@pytest.fixture(scope="module")
def long_reading(tmp_path_factory, te_rows, jfk) -> np.ndarray:
    """About 70 s of speech: Telugu clips and the JFK clip, joined with short pauses."""
    folder = tmp_path_factory.mktemp("long")
    ffmpeg("-i", str(jfk[0]), "-ac", "1", "-ar", "16000", str(folder / "jfk.wav"))
    pause = np.zeros(8000, dtype=np.float32)
    pieces = []
    for path in [row["path"] for row in te_rows[:9]] + [folder / "jfk.wav"]:
        samples, rate = soundfile.read(str(path), dtype="float32")
        assert rate == 16000
        pieces += [samples, pause]
    return np.concatenate(pieces)


def short_folder(root, te_rows, count: int, start: int = 0):
    """A folder of ``count`` short Telugu recordings (distinct audio), some in a subfolder."""
    folder = root / "readings"
    for n, row in enumerate(te_rows[start : start + count]):
        target = folder / ("day2" if n % 2 else "day1") / f"poem{n}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(row["path"], target)
    return folder


def output_set(out, stem) -> list[str]:
    """Every file in ``out`` that belongs to ``stem`` (hidden temporary files included)."""
    return sorted(p.name for p in out.iterdir() if p.name.startswith((stem + ".", "." + stem + ".")))


def assert_one_complete_set(out, stem, source, store):
    """The job's outputs, each once, and nothing else of that stem (no partial files)."""
    [job] = [j for j in store.list_jobs() if j.source == str(source.resolve())]
    assert job.state == DONE and {Path(p).parent for p in job.outputs} == {out}
    assert output_set(out, stem) == sorted(Path(p).name for p in job.outputs)
    assert set(output_set(out, stem)) >= {stem + s for s in SET}
    transcript = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
    assert transcript["source"] == str(source.resolve())
    assert [c["start_ms"] for c in transcript["cues"]] == [
        c.start_ms for c in parse_srt((out / f"{stem}.srt").read_text(encoding="utf-8"))
    ]
    qa = json.loads((out / f"{stem}.qa.json").read_text(encoding="utf-8"))
    assert qa["source"] == transcript["source"] and isinstance(qa["issues"], list)


def test_sigkilled_worker_job_completes_once_after_a_worker_starts_again(queue, long_reading, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    source = write_wav(folder / "long reading.wav", long_reading)
    out = tmp_path / "out"
    first = queue.worker(via="celery")
    assert queue.batch(str(folder), "--out", str(out)).returncode == 0
    store = queue.store()
    job = wait_for(lambda: next(iter(store.list_jobs()), None), 30, "the job")

    def mid_transcription(attempt):
        current = store.get(job.id)
        # transcription runs from 0.03 to 0.84 of the job's progress; its windows finish two at a time
        return current.attempts == attempt and current.stage == "transcribe" and current.progress < 0.85

    # 1. Only the pool process dies (as with the OOM killer): Celery hands the message back at once.
    wait_for(lambda: mid_transcription(1), 180, "attempt 1 in the middle of transcription")
    meta = json.loads(queue.redis.client().get(f"celery-task-meta-{job.id}"))  # update_state, for Celery tools
    assert meta["status"] == "PROGRESS" and meta["result"]["stage"] in ("normalize", "transcribe")
    [child] = first.pool_pids()
    subprocess.run(["kill", "-KILL", str(child)], check=True)
    wait_for(lambda: mid_transcription(2), 180, f"attempt 2 after the pool process was killed\n{queue.logs()}")
    # 2. The whole worker dies: nothing runs the job until a worker starts again.
    first.kill()
    assert store.get(job.id).state == "running"
    queue.worker(via="nishabdham")
    done = wait_for(lambda: store.get(job.id).finished and store.get(job.id), 240, f"the job to finish\n{queue.logs()}")
    assert done.state == DONE, done.error
    assert [(a.number, a.outcome) for a in store.attempts(job.id)] == [(1, "lost"), (2, "lost"), (3, "done")]
    assert_one_complete_set(out, "long reading", source, store)
    # Redis hands the killed worker's unacknowledged message back one day: it must not run the job again.
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    from nishabdham.settings import load_settings
    from nishabdham.workers.queue import enqueue

    enqueue([job.id], load_settings(broker_url=queue.redis.url))
    wait_for(lambda: "nothing to do (finished)" in queue.workers[-1].log(), 60, "the repeated message to be skipped")
    assert store.get(job.id).attempts == 3
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_redis_restarted_mid_batch_then_resume_finishes_every_job_once(queue, te_rows, tmp_path):
    folder = short_folder(tmp_path, te_rows, 5)
    out = tmp_path / "out"
    worker = queue.worker()
    assert queue.batch(str(folder), "--out", str(out)).returncode == 0
    store = queue.store()
    wait_for(lambda: any(j.state == DONE for j in store.list_jobs()), 180, f"a first job done\n{queue.logs()}")
    queue.redis.restart()  # every queued message is lost
    finished_before = {j.id: j for j in store.list_jobs() if j.state == DONE}
    queued = sum(j.state == "queued" for j in store.list_jobs())
    assert queued, "the restart came too late to lose queued jobs"
    # Messages were lost; the worker, reconnecting, may hand back the one it had prefetched.
    assert queue.redis.client().llen("nishabdham") < queued
    mtimes = {p: p.stat().st_mtime_ns for j in finished_before.values() for p in map(Path, j.outputs)}
    result = queue.batch(str(folder), "--out", str(out), "--resume", "--wait", "--no-progress", timeout_s=400)
    assert result.returncode == 0, result.stdout + result.stderr + queue.logs()
    jobs = store.list_jobs()
    assert len(jobs) == 5 and all(j.state == DONE for j in jobs)
    assert all(j.attempts == 1 for j in jobs), [(j.source, j.attempts) for j in jobs]
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes  # nothing finished was written again
    skipped = int(re.search(r"skipped \(already done\): (\d+)", result.stdout).group(1))
    assert len(finished_before) <= skipped < 5
    assert worker.alive()
    for n in range(5):
        sub = "day2" if n % 2 else "day1"
        assert_one_complete_set(out / sub, f"poem{n}", folder / sub / f"poem{n}.wav", store)
    summary = json.loads((out / "qa-summary.json").read_text(encoding="utf-8"))
    assert summary["files"] == 5
    scores = [row["score"] for row in summary["worst_first"]]
    assert scores == sorted(scores, reverse=True)


def test_bad_files_fail_with_reasons_and_good_ones_get_subtitles(queue, te_rows, jfk, tmp_path):
    folder = short_folder(tmp_path, te_rows, 2)
    (folder / "empty.wav").write_bytes(b"")
    (folder / "notes.mp3").write_text("a poem, typed, not recorded\n", encoding="utf-8")
    corrupt = (folder / "day1" / "poem0.wav").read_bytes()
    (folder / "corrupt.wav").write_bytes(corrupt[:44] + bytes(reversed(corrupt[44:200])))  # a header, then junk
    ffmpeg("-f", "lavfi", "-i", "color=c=black:s=64x64:d=2", "-c:v", "mpeg4", str(folder / "silent-film.mp4"))
    (folder / "cover.txt").write_text("not a recording")
    out = tmp_path / "out"
    worker = queue.worker()
    result = queue.batch(str(folder), "--out", str(out), "--wait", "--no-progress", timeout_s=300)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("nishabdham: error:")]
    assert len(errors) == 4, result.stderr
    reasons = "\n".join(errors)
    assert f"{folder / 'empty.wav'}: file is empty (0 bytes)" in reasons
    assert f"{folder / 'notes.mp3'}: not a recording ffmpeg can read" in reasons
    assert f"{folder / 'corrupt.wav'}: not a recording ffmpeg can read" in reasons
    assert f"{folder / 'silent-film.mp4'}: has no audio track" in reasons
    assert "done: 2, failed: 4, skipped (already done): 0" in result.stdout
    assert "ignored 1 file(s) that are not audio or video" in result.stderr
    store = queue.store()
    failed = store.list_jobs(states=[FAILED])
    assert len(failed) == 4 and all(j.attempts == 1 and j.error_code in ("input", "decode") for j in failed)
    assert_one_complete_set(out / "day1", "poem0", folder / "day1" / "poem0.wav", store)
    assert_one_complete_set(out / "day2", "poem1", folder / "day2" / "poem1.wav", store)
    assert worker.alive()
    later = tmp_path / "later"  # the same worker still takes new work
    later.mkdir()
    shutil.copyfile(te_rows[5]["path"], later / "after.wav")
    assert queue.batch(str(later), "--out", str(out / "later"), "--wait", "--no-progress").returncode == 0
    assert (out / "later" / "after.json").is_file()


def test_two_batches_on_one_folder_at_once_process_each_file_once(queue, te_rows, tmp_path):
    folder = short_folder(tmp_path, te_rows, 4, start=6)
    out = tmp_path / "out"
    queue.worker(concurrency=2)
    argv = ("batch", str(folder), "--out", str(out), "--wait", "--no-progress")
    both = [start_nishabdham(*argv, env=queue.env) for _ in range(2)]
    results = [p.communicate(timeout=400) for p in both]
    assert [p.returncode for p in both] == [0, 0], results
    store = queue.store()
    jobs = store.list_jobs()
    assert len(jobs) == 4 and all(j.state == DONE and j.attempts == 1 for j in jobs)
    assert sum(len(store.attempts(j.id)) for j in jobs) == 4
    for stdout, _ in results:
        assert "failed: 0" in stdout
    for n in range(4):
        sub = "day2" if n % 2 else "day1"
        assert_one_complete_set(out / sub, f"poem{n}", folder / sub / f"poem{n}.wav", store)
