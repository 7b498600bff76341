"""Watching the queue: ``nishabdham jobs`` health lines, the ``--watch`` live table, and Flower fed by worker events."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest
from rich.console import Console

from nishabdham.app.cli import main
from nishabdham.app.cli.jobs import render
from nishabdham.settings import load_settings
from nishabdham.workers.celery_app import TASK_NAME
from nishabdham.workers.queue import broker_health, enqueue
from nishabdham.workers.store import JobStore
from tests.queue_support import BIN, ROOT, QueueHarness, free_port, queue_env, wait_for


def recordings(store: JobStore, tmp_path, count: int) -> list:
    jobs = []
    for n in range(count):
        path = tmp_path / "in" / f"poem{n}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"recording {n}".encode())
        jobs.append(store.submit(path, tmp_path / "out", load_settings()))
        time.sleep(0.002)
    return jobs


def text_of(renderable, width: int = 220) -> str:
    console = Console(record=True, width=width, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_the_watch_table_shows_health_and_the_newest_jobs_from_the_store(store_url, tmp_path):
    store = JobStore(store_url)
    queued, running, failed = recordings(store, tmp_path, 3)
    store.claim(running.id, "host-a:11", lease_ms=60_000, max_attempts=3)
    store.report_progress(running.id, "host-a:11", "transcribe", 0.42)
    store.claim(failed.id, "host-a:11", lease_ms=60_000, max_attempts=3)
    store.fail(failed.id, "host-a:11", f"{failed.source}: has no audio track", "input")
    broker = broker_health(load_settings(broker_url=f"redis://127.0.0.1:{free_port()}/0"), ping_workers=False)
    text = text_of(render(store, broker, limit=10, now=0))
    lines = text.splitlines()
    assert lines[0] == f"store:  {store.shown_url} ok: 1 queued, 1 running, 0 done, 1 failed"
    assert lines[1].startswith("broker: redis://127.0.0.1:") and "UNREACHABLE" in lines[1]
    assert "nishabdham jobs at " in lines[2] and "(Ctrl-C to stop)" in lines[2]
    rows = [line for line in lines if any(j.id in line for j in (queued, running, failed))]
    assert [next(j.id for j in (queued, running, failed) if j.id in row) for row in rows] == [
        failed.id,
        running.id,
        queued.id,
    ]  # newest first
    assert "failed" in rows[0] and "running" in rows[1] and "transcribe" in rows[1] and "42%" in rows[1]
    assert "has no audio track" in text
    newest = text_of(render(store, broker, limit=1, now=0))  # --limit
    assert failed.id in newest and running.id not in newest and queued.id not in newest
    store.close()


def test_the_watch_table_says_when_the_store_is_away_instead_of_stopping(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    store = JobStore(f"sqlite:///{path}")
    recordings(store, tmp_path, 1)
    store.engine.dispose()
    for leftover in tmp_path.glob("jobs.sqlite3*"):
        leftover.unlink()
    path.mkdir()  # the database file is now a folder: every read fails
    broker = broker_health(load_settings(broker_url=f"redis://127.0.0.1:{free_port()}/0"), ping_workers=False)
    text = text_of(render(store, broker, now=0))
    assert text.splitlines()[0].startswith(f"store:  sqlite:///{path} UNREACHABLE: the job store at")


@pytest.mark.queue
def test_jobs_reports_messages_waiting_in_redis(redis_server, tmp_path, monkeypatch, capsys):
    redis_server.flush()
    monkeypatch.setenv("NISHABDHAM_BROKER_URL", redis_server.url)
    settings = load_settings()
    store = JobStore.from_settings(settings)
    jobs = recordings(store, tmp_path, 2)
    enqueue([j.id for j in jobs], settings)  # no worker: both wait in Redis
    assert main(["jobs"]) == 0
    broker = capsys.readouterr().out.splitlines()[1]
    assert broker == f"broker: {redis_server.url} ok: 2 waiting, 0 held by workers; 0 worker(s) answering"
    redis_server.flush()
    store.close()


def test_jobs_watch_runs_in_a_terminal_and_stops_cleanly_on_ctrl_c(tmp_path):
    """The real command in a pseudo-terminal: a live table that refreshes, then Ctrl-C ends it with status 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NISHABDHAM_")}
    env.update(NISHABDHAM_DATA_DIR=str(tmp_path / "data"), NISHABDHAM_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")
    env.update(COLUMNS="200", LINES="50", TERM="xterm")
    (tmp_path / "data").mkdir()
    store = JobStore(f"sqlite:///{tmp_path / 'data' / 'jobs.sqlite3'}")
    [job] = recordings(store, tmp_path, 1)
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [str(BIN / "nishabdham"), "jobs", "--watch", "--interval", "0.2"],
        stdin=follower, stdout=follower, stderr=follower, env=env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    os.close(follower)
    seen = b""

    def read() -> bytes:
        nonlocal seen
        while select.select([leader], [], [], 0.1)[0]:
            try:
                seen += os.read(leader, 65536)
            except OSError:
                break
        return seen

    try:
        wait_for(lambda: job.id.encode() in read(), 60, "the live table")
        [later] = recordings(store, tmp_path / "later", 1)  # a job submitted while it watches appears
        wait_for(lambda: later.id.encode() in read(), 30, "the new job in the live table")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        read()
        os.close(leader)
        store.close()
    text = seen.decode("utf-8", errors="replace")
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert "\x1b[" in text  # drawn with terminal control codes (rich Live), not printed line by line


@pytest.mark.queue
@pytest.mark.model
def test_flower_shows_the_jobs_a_worker_runs(redis_server, te_rows, tmp_path):
    """``nishabdham worker`` sends task events; Flower, started as the README says, lists each job by its id."""
    queue = QueueHarness(redis_server, tmp_path)
    port = free_port()
    flower_log = open(tmp_path / "flower.log", "wb")
    env = queue_env(redis_server, queue.data_dir, FLOWER_UNAUTHENTICATED_API="true")
    flower = subprocess.Popen(
        [str(BIN / "celery"), "-A", "nishabdham.workers.celery_app", "flower", "--address=127.0.0.1", f"--port={port}"],
        env=env, cwd=ROOT, stdout=flower_log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip

    def api(path: str):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                return json.loads(response.read())
        except OSError:
            return None

    try:
        wait_for(lambda: api("/api/tasks") is not None, 60, f"Flower\n{(tmp_path / 'flower.log').read_text()}")
        queue.worker(via="nishabdham")
        folder = tmp_path / "readings"
        folder.mkdir()
        for n, row in enumerate(te_rows[2:3]):
            shutil.copyfile(row["path"], folder / f"poem{n}.wav")
        result = queue.batch(str(folder), "--out", str(tmp_path / "out"), "--wait", "--no-progress")
        assert result.returncode == 0, result.stdout + result.stderr + queue.logs()
        ids = {job.id for job in queue.store().list_jobs()}

        def succeeded():
            tasks = api("/api/tasks") or {}
            done = {uuid: t for uuid, t in tasks.items() if uuid in ids and t.get("state") == "SUCCESS"}
            return done if len(done) == len(ids) else None

        tasks = wait_for(succeeded, 60, f"Flower to show the job as SUCCESS\n{api('/api/tasks')}")
        for job_id, task in tasks.items():
            assert task["name"] == TASK_NAME and job_id in task["args"]
            assert task["worker"].startswith("test-worker1@") and task["received"] and task["started"]
            assert json.loads(task["result"].replace("'", '"'))["outcome"] == "done"
    finally:
        os.killpg(flower.pid, signal.SIGTERM)
        try:
            flower.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(flower.pid, signal.SIGKILL)
            flower.wait(timeout=20)
        flower_log.close()
        queue.stop()
