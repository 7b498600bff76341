"""Batch planning, the task's outcomes, output delivery and the CLI's errors, without worker processes.

The job runs here with a stand-in pipeline (the model is not the point); the
real model, workers and Redis are in test_queue_faults.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from nishabdham.app.cli import main
from nishabdham.errors import AudioDecodeError, OutputError
from nishabdham.pipeline.cues.subtitles import write_outputs
from nishabdham.settings import load_settings
from nishabdham.types import Cue, Transcript, Word
from nishabdham.workers import tasks
from nishabdham.workers.batch import deliver, discover, plan, write_qa_summary
from nishabdham.workers.store import DONE, FAILED, QUEUED, JobStore
from nishabdham.workers.tasks import WorkerRuntime, remove_partial_outputs, run_job
from tests.queue_support import free_port


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_discover_finds_media_recursively_and_plan_mirrors_the_tree(tmp_path):
    folder = tmp_path / "in"
    for name in (
        "a.wav",
        "day1/poem.mp3",
        "day1/poem.wav",
        "day1/talk.MP4",
        "day2/poem.flac",
        "notes.txt",
        ".hidden.wav",
        "subs/a.wav",
    ):
        touch(folder / name)
    media, ignored = discover(folder, exclude=folder / "subs")  # --out inside FOLDER
    assert [p.relative_to(folder).as_posix() for p in media] == [
        "a.wav",
        "day1/poem.mp3",
        "day1/poem.wav",
        "day1/talk.MP4",
        "day2/poem.flac",
    ]
    assert ignored == [folder / "notes.txt"]
    out = tmp_path / "out"
    places = [(i.out_dir.relative_to(out).as_posix(), i.stem) for i in plan(folder, out, media)]
    assert places == [(".", "a"), ("day1", "poem.mp3"), ("day1", "poem.wav"), ("day1", "talk"), ("day2", "poem")]


def transcript_for(source: str) -> Transcript:
    words = (Word(100, 900, "కలసపాడు", probability=0.2),)
    return Transcript(source=source, duration_ms=2000, language="te", language_probability=1.0, model="stand-in",
                      cues=(Cue(100, 1000, "కలసపాడు", words=words),), timings_ms={"transcribe": 5})  # fmt: skip


class StandInPipeline:
    """Writes real outputs for a fixed transcript, or raises what the test asks for."""

    def __init__(self, options, error: Exception | None = None) -> None:
        self.options, self.error = options, error

    def run_to_files(self, path, out_dir, stem, progress):
        progress("transcribe", 0.5)
        if self.error is not None:
            raise self.error
        transcript = transcript_for(str(path))
        return transcript, write_outputs(
            transcript, Path(out_dir), stem, self.options.segment.rules, self.options.writer
        )


@pytest.fixture
def runtime(tmp_path, monkeypatch, store_url):
    """A worker process's runtime on this test's store (SQLite or PostgreSQL), with a stand-in pipeline."""
    monkeypatch.setenv("NISHABDHAM_DATABASE_URL", store_url)
    monkeypatch.setenv("NISHABDHAM_BROKER_URL", f"redis://127.0.0.1:{free_port()}/0")  # no Redis there
    settings = load_settings(max_attempts=2)
    process = WorkerRuntime(settings)
    process.error = None
    monkeypatch.setattr(
        WorkerRuntime, "pipeline_for", lambda self, job: StandInPipeline(settings.pipeline_options(), self.error)
    )
    yield process
    process.store.close()


def submitted(runtime, tmp_path, name="poem.wav"):
    return runtime.store.submit(touch(tmp_path / "in" / name, name.encode()), tmp_path / "out", runtime.settings)


def test_a_job_runs_to_one_set_of_outputs_with_its_qa_report(runtime, tmp_path):
    job = submitted(runtime, tmp_path)
    touch(tmp_path / "out" / ".poem.srt.k2j3h4.tmp")  # left by an attempt killed while writing
    seen = []
    outcome = run_job(job.id, runtime, lambda stage, fraction: seen.append(stage))
    assert outcome.outcome == "done" and "transcribe" in seen
    done = runtime.store.get(job.id)
    assert done.state == DONE and done.qa["counts"]["low-confidence"] == 1 and done.audio_ms == 2000
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["poem.json", "poem.qa.json", "poem.srt", "poem.vtt"]
    assert json.loads(done.qa_path.read_text(encoding="utf-8"))["issues"][0]["kind"] == "low-confidence"
    assert done.timings_ms["transcribe"] == 5 and "job" in done.timings_ms
    assert run_job(job.id, runtime).outcome == "finished"


def test_bad_input_fails_at_once_with_its_reason(runtime, tmp_path):
    job = submitted(runtime, tmp_path)
    runtime.error = AudioDecodeError("not a recording ffmpeg can read", path=job.source)
    outcome = run_job(job.id, runtime)
    failed = runtime.store.get(job.id)
    assert outcome.outcome == "failed" and outcome.retry_in_s is None
    assert (failed.state, failed.error_code, failed.attempts) == (FAILED, "decode", 1)
    assert failed.error == f"{job.source}: not a recording ffmpeg can read"


def test_other_errors_are_tried_again_with_backoff_then_the_job_gives_up(runtime, tmp_path):
    job = submitted(runtime, tmp_path)
    runtime.error = OutputError("cannot write (No space left on device)", path=tmp_path / "out" / "poem.srt")
    first = run_job(job.id, runtime)
    assert first.outcome == "retry" and tasks.RETRY_BASE_S <= first.retry_in_s <= 2 * tasks.RETRY_BASE_S
    assert runtime.store.get(job.id).state == QUEUED
    runtime.error = RuntimeError("something unforeseen")
    second = run_job(job.id, runtime)
    failed = runtime.store.get(job.id)
    assert second.outcome == "failed" and failed.state == FAILED and failed.error_code == "internal"
    assert failed.error == f"gave up after 2 attempt(s): {job.source}: RuntimeError: something unforeseen"
    assert [a.outcome for a in runtime.store.attempts(job.id)] == ["retry", "failed"]


def test_partial_outputs_of_a_killed_attempt_are_removed_but_nothing_else(tmp_path):
    partial = [
        ".poem.srt.abc.tmp",
        ".poem.json.x_1.tmp",
        ".poem.qa.json.q.tmp",
        ".poem.te.vtt.z.tmp",
        ".poem.te-en.srt.y.tmp",
    ]
    others = [".poem.v2.srt.abc.tmp", ".other.srt.a.tmp", "poem.srt"]
    for name in partial + others:
        touch(tmp_path / name)
    removed = remove_partial_outputs(tmp_path, "poem")
    assert sorted(p.name for p in removed) == sorted(partial)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(others)


def test_a_done_job_is_delivered_to_a_second_place_once(runtime, tmp_path):
    job = submitted(runtime, tmp_path)
    run_job(job.id, runtime)
    copy = touch(tmp_path / "elsewhere" / "same-audio.wav", b"poem.wav")  # the same bytes: the same job
    store: JobStore = runtime.store
    batch_items = plan(tmp_path / "elsewhere", tmp_path / "out2", [copy])
    jobs = {job.id: store.get(job.id)}
    items = [replace(i, job_id=job.id) for i in batch_items]
    written = deliver(items, jobs)
    assert [p.name for p in written][-1] == "same-audio.json"
    assert sorted(p.name for p in (tmp_path / "out2").iterdir()) == sorted(
        f"same-audio{s}" for s in (".srt", ".vtt", ".json", ".qa.json")
    )
    assert deliver(items, jobs) == []
    summary = json.loads(write_qa_summary(tmp_path / "out2", items, jobs).read_text(encoding="utf-8"))
    assert summary["worst_first"][0]["file"] == str(tmp_path / "out2" / "same-audio.srt")


@pytest.mark.parametrize("command", [["batch", "{in}", "--out", "{out}"], ["worker"]])
def test_batch_and_worker_without_redis_say_how_to_start_one(capsys, tmp_path, monkeypatch, command):
    port = free_port()
    monkeypatch.setenv("NISHABDHAM_BROKER_URL", f"redis://127.0.0.1:{port}/0")
    touch(tmp_path / "in" / "a.wav")
    assert main([a.format(**{"in": tmp_path / "in", "out": tmp_path / "out"}) for a in command]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nishabdham: error: no Redis answers at redis://127.0.0.1:{port}/0 (")
    assert "start one with `redis-server`" in err and "NISHABDHAM_BROKER_URL" in err
    assert not (tmp_path / "out").exists()


def test_batch_needs_a_folder_and_an_output_folder(capsys, tmp_path):
    assert main(["batch"]) == 2
    assert "give a FOLDER of recordings (or --resume alone" in capsys.readouterr().err
    assert main(["batch", str(tmp_path)]) == 2
    assert "--out DIR is needed" in capsys.readouterr().err


def test_jobs_lists_state_stage_progress_and_error(runtime, tmp_path, capsys):
    good = submitted(runtime, tmp_path, "good.wav")
    run_job(good.id, runtime)
    bad = submitted(runtime, tmp_path, "bad.wav")
    runtime.error = AudioDecodeError("has no audio track", path=bad.source)
    run_job(bad.id, runtime)
    assert main(["jobs"]) == 0
    health, lines = (lambda out: (out[:2], out[2:]))(capsys.readouterr().out.splitlines())
    assert health[0] == f"store:  {runtime.store.shown_url} ok: 0 queued, 0 running, 1 done, 1 failed"
    broker = runtime.settings.broker_url
    assert health[1].startswith(f"broker: {broker} UNREACHABLE: OperationalError: ") and "refused" in health[1]
    assert lines[0].split()[:4] == ["JOB", "STATE", "STAGE", "DONE"]
    assert lines[1].split()[:5] == [bad.id, "failed", "transcribe", "50%", "1"]
    assert lines[2].strip() == f"error: {bad.source}: has no audio track"
    assert lines[3].split()[:5] == [good.id, "done", "done", "100%", "1"] and lines[3].endswith(good.source)
    assert main(["jobs", good.id, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["state"] == "done" and data["attempts"][0]["outcome"] == "done" and len(data["outputs"]) == 4
