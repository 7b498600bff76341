"""The job store: identity, compare-and-set claims, lost workers, the attempt cap, races between processes.

Every test that takes ``store`` or ``store_url`` runs twice: on SQLite and on a real PostgreSQL
(a throw-away cluster the session starts, tests/queue_support.py).
"""

from __future__ import annotations

import multiprocessing
import socket
import subprocess
import time

import pytest

from nishabdham.errors import ConfigError, InputError, QueueError
from nishabdham.settings import load_settings
from nishabdham.workers.store import DONE, FAILED, QUEUED, RUNNING, JobStore, output_options
from tests.queue_support import free_port, wait_for

LEASE = 60_000
HOST = socket.gethostname()


@pytest.fixture
def store(store_url):
    store = JobStore(store_url)
    yield store
    store.close()


@pytest.fixture
def recording(tmp_path):
    path = tmp_path / "in" / "poem.wav"
    path.parent.mkdir()
    path.write_bytes(b"RIFF not really audio, but bytes to hash")
    return path


def dead_worker() -> str:
    """The name of a worker process on this host that has exited."""
    child = subprocess.Popen(["true"])
    child.wait()
    return f"{HOST}:{child.pid}"


def test_same_audio_and_settings_is_the_same_job(store, recording, tmp_path):
    settings = load_settings()
    first, created = store.create(recording, tmp_path / "out", output_options(settings))
    copy = tmp_path / "elsewhere.wav"
    copy.write_bytes(recording.read_bytes())
    again, created_again = store.create(copy, tmp_path / "other-out", output_options(settings))
    assert created and not created_again
    assert again == first
    assert first.state == QUEUED and first.stem == "poem" and first.source == str(recording.resolve())
    assert store.submit(recording, tmp_path / "out", settings).id == first.id


def test_settings_that_change_the_output_make_another_job(store, recording, tmp_path):
    base = store.submit(recording, tmp_path, load_settings())
    other_model = store.submit(recording, tmp_path, load_settings(model="large-v3"))
    other_rules = store.submit(recording, tmp_path, load_settings(rules={"max_cps": 15}))
    same_output = store.submit(recording, tmp_path, load_settings(cpu_threads=1, broker_url="redis://x:1/0"))
    assert len({base.id, other_model.id, other_rules.id}) == 3
    assert same_output.id == base.id
    assert base.id.startswith(base.audio_sha256[:16])


def test_missing_file_is_an_input_error_naming_it(store, tmp_path):
    with pytest.raises(InputError, match="missing.wav: cannot read"):
        store.submit(tmp_path / "missing.wav", tmp_path, load_settings())


def test_a_claimed_job_is_busy_for_others_and_finished_once_done(store, recording, tmp_path):
    job = store.submit(recording, tmp_path, load_settings())
    claim = store.claim(job.id, "a:1", lease_ms=LEASE, max_attempts=3)
    assert claim.outcome == "claimed" and claim.job.state == RUNNING and claim.job.attempts == 1
    assert store.claim(job.id, "b:2", lease_ms=LEASE, max_attempts=3).outcome == "busy"
    assert store.report_progress(job.id, "a:1", "transcribe", 0.5)
    assert not store.report_progress(job.id, "b:2", "transcribe", 0.9)
    outputs = [tmp_path / "poem.srt", tmp_path / "poem.json", tmp_path / "poem.qa.json"]
    assert store.complete(job.id, "a:1", outputs=outputs, qa={"score": 2}, timings_ms={"transcribe": 5}, audio_ms=900)
    done = store.get(job.id)
    assert (done.state, done.stage, done.progress, done.attempts) == (DONE, "done", 1.0, 1)
    assert done.transcript_path == tmp_path / "poem.json" and done.qa_path == tmp_path / "poem.qa.json"
    assert done.qa == {"score": 2} and done.audio_ms == 900 and done.elapsed_ms >= 0
    assert store.claim(job.id, "b:2", lease_ms=LEASE, max_attempts=3).outcome == "finished"
    assert [(a.number, a.worker, a.outcome) for a in store.attempts(job.id)] == [(1, "a:1", "done")]


def test_a_dead_worker_on_this_host_is_taken_over_at_once(store, recording, tmp_path):
    job = store.submit(recording, tmp_path, load_settings())
    dead = dead_worker()
    store.claim(job.id, dead, lease_ms=LEASE, max_attempts=3)
    store.report_progress(job.id, dead, "transcribe", 0.3)
    claim = store.claim(job.id, f"{HOST}:1", lease_ms=LEASE, max_attempts=3)
    assert claim.outcome == "claimed" and claim.job.attempts == 2
    attempts = store.attempts(job.id)
    assert [(a.worker, a.outcome) for a in attempts] == [(dead, "lost"), (f"{HOST}:1", "running")]
    assert attempts[0].error.endswith("(killed, crashed or out of memory) during transcribe")


def test_a_silent_worker_elsewhere_is_taken_over_after_the_lease(store, recording, tmp_path):
    job = store.submit(recording, tmp_path, load_settings())
    store.claim(job.id, "other-machine:7", lease_ms=LEASE, max_attempts=3)
    assert store.claim(job.id, "me:1", lease_ms=LEASE, max_attempts=3).outcome == "busy"
    time.sleep(0.05)
    assert store.claim(job.id, "me:1", lease_ms=10, max_attempts=3).outcome == "claimed"
    assert not store.complete(job.id, "other-machine:7", outputs=[], qa={}, timings_ms={}, audio_ms=0)


def test_a_job_that_keeps_killing_its_worker_fails_after_max_attempts(store, recording, tmp_path):
    job = store.submit(recording, tmp_path, load_settings())
    for _ in range(2):
        worker = dead_worker()
        assert store.claim(job.id, worker, lease_ms=LEASE, max_attempts=2).outcome == "claimed"
        store.report_progress(job.id, worker, "transcribe", 0.2)
    claim = store.claim(job.id, f"{HOST}:1", lease_ms=LEASE, max_attempts=2)
    assert claim.outcome == "gave-up"
    failed = store.get(job.id)
    assert failed.state == FAILED and failed.error_code == "attempts"
    assert failed.error.startswith("gave up after 2 attempt(s): the worker running it was lost")
    assert [a.outcome for a in store.attempts(job.id)] == ["lost", "lost"]


def test_release_puts_a_job_back_with_its_error_and_retry_failed_resets_it(store, recording, tmp_path):
    job = store.submit(recording, tmp_path, load_settings())
    store.claim(job.id, "a:1", lease_ms=LEASE, max_attempts=3)
    assert store.release(job.id, "a:1", "disk full", "output")
    queued = store.get(job.id)
    assert (queued.state, queued.error, queued.attempts) == (QUEUED, "disk full", 1)
    store.claim(job.id, "a:1", lease_ms=LEASE, max_attempts=3)
    assert store.fail(job.id, "a:1", "not a recording", "decode")
    assert store.retry_failed() == [job.id]
    assert (store.get(job.id).state, store.get(job.id).attempts) == (QUEUED, 0)


def submit_distinct(store, tmp_path, count: int) -> list[str]:
    """Submit ``count`` recordings with different bytes; their job ids in order."""
    ids = []
    for n in range(count):
        path = tmp_path / f"r{n}.wav"
        path.write_bytes(bytes([n]) * 10)
        ids.append(store.submit(path, tmp_path, load_settings()).id)
        time.sleep(0.002)
    return ids


def test_unfinished_lists_queued_jobs_and_requeues_lost_ones_but_not_live_ones(store, tmp_path):
    ids = submit_distinct(store, tmp_path, 4)
    store.claim(ids[0], dead_worker(), lease_ms=LEASE, max_attempts=3)  # lost
    store.claim(ids[1], f"{HOST}:1", lease_ms=LEASE, max_attempts=3)  # alive (pid 1 exists)
    store.claim(ids[2], "a:1", lease_ms=LEASE, max_attempts=3)
    store.complete(ids[2], "a:1", outputs=[], qa={}, timings_ms={}, audio_ms=0)
    assert sorted(store.unfinished(LEASE)) == sorted([ids[0], ids[3]])
    assert store.get(ids[0]).state == QUEUED and store.get(ids[1]).state == RUNNING
    assert store.unfinished(LEASE, ids=[ids[3]]) == [ids[3]]


def test_list_jobs_is_newest_first_and_filters(store, tmp_path):
    made = submit_distinct(store, tmp_path, 3)
    assert [j.id for j in store.list_jobs()] == made[::-1]
    assert [j.id for j in store.list_jobs(ids=[made[2], made[0]])] == [made[2], made[0]]
    assert store.list_jobs(states=[DONE]) == []
    assert len(store.list_jobs(limit=2)) == 2


def _create_in_process(url, path, out, queue):
    store = JobStore(url)
    queue.put(store.create(path, out, {"same": "settings"})[1])


def _claim_in_process(url, job_id, queue):
    store = JobStore(url)
    queue.put(
        store.claim(job_id, f"w{multiprocessing.current_process().pid}:1", lease_ms=LEASE, max_attempts=3).outcome
    )


def _race(target, args_of, n=6) -> list:
    # Fresh interpreters, as separate workers are: a fork would inherit locks that other tests'
    # threads (Celery, Flower, event receivers) happened to hold, and could hang on them.
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=target, args=(*args_of, queue)) for _ in range(n)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return results


def _open_in_process(url, queue):
    store = JobStore(url)
    queue.put(sorted(store.counts().items()))


def test_processes_racing_to_create_and_claim_one_job_make_one_and_run_it_once(store_url, tmp_path, recording):
    url = store_url
    # Six workers starting at once on a new database create the tables once, without an error.
    assert _race(_open_in_process, (url,)) == [sorted({s: 0 for s in (QUEUED, RUNNING, DONE, FAILED)}.items())] * 6
    assert sorted(_race(_create_in_process, (url, recording, tmp_path))) == [False] * 5 + [True]
    store = JobStore(url)
    job = store.list_jobs()[0]
    assert sorted(_race(_claim_in_process, (url, job.id))) == ["busy"] * 5 + ["claimed"]
    assert len(store.attempts(job.id)) == 1
    store.close()


def test_an_unreachable_store_is_a_clear_queue_error(tmp_path):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    with pytest.raises(QueueError, match=r"job store at sqlite:///.*failed to .*NISHABDHAM_DATABASE_URL"):
        JobStore(f"sqlite:///{blocked / 'jobs.sqlite3'}")


@pytest.mark.postgres
def test_an_unreachable_postgres_is_a_clear_queue_error_with_the_password_hidden():
    url = f"postgresql+psycopg://nishabdham:secret@127.0.0.1:{free_port()}/jobs"
    started = time.monotonic()
    with pytest.raises(QueueError) as caught:
        JobStore(url, retry_s=1.0)
    message = str(caught.value)
    assert message.startswith("the job store at postgresql+psycopg://nishabdham:***@127.0.0.1:")
    assert "Connection refused" in message and "NISHABDHAM_DATABASE_URL" in message and "secret" not in message
    assert 0.5 < time.monotonic() - started < 10  # it tried again, for up to retry_s, then gave up


@pytest.mark.postgres
def test_a_postgres_restart_is_waited_for_and_no_commit_is_lost(postgres_server, recording, tmp_path):
    """Every store call during a restart waits for the server (retried), and what was committed before stays."""
    import threading

    store = JobStore(postgres_server.create_database())
    job = store.submit(recording, tmp_path, load_settings())
    assert store.claim(job.id, "a:1", lease_ms=LEASE, max_attempts=3).outcome == "claimed"
    restart = threading.Thread(target=postgres_server.restart, kwargs={"down_s": 2.0})
    restart.start()
    wait_for(lambda: not postgres_server.running(), 30, "PostgreSQL to stop")
    assert store.complete(job.id, "a:1", outputs=[tmp_path / "poem.json"], qa={}, timings_ms={}, audio_ms=1)
    restart.join(timeout=60)
    assert store.get(job.id).state == DONE
    assert [(a.worker, a.outcome) for a in store.attempts(job.id)] == [("a:1", "done")]
    store.close()


def test_visibility_timeout_must_exceed_the_job_timeout():
    settings = load_settings()
    assert settings.visibility_timeout_s > settings.job_timeout_s + 60
    assert settings.broker_url == "redis://127.0.0.1:6379/0" and settings.database_url == ""
    with pytest.raises(ConfigError, match=r"NISHABDHAM_VISIBILITY_TIMEOUT_S: .*must exceed job_timeout_s \(3600\)"):
        load_settings(job_timeout_s=3600, visibility_timeout_s=3000)


def test_counts_has_every_state(store, tmp_path):
    ids = submit_distinct(store, tmp_path, 3)
    store.claim(ids[0], "a:1", lease_ms=LEASE, max_attempts=3)
    store.claim(ids[1], "a:1", lease_ms=LEASE, max_attempts=3)
    store.fail(ids[1], "a:1", "not a recording", "decode")
    assert store.counts() == {QUEUED: 1, RUNNING: 1, DONE: 0, FAILED: 1}


def test_switching_a_new_database_to_wal_waits_for_another_process_opening_it(tmp_path):
    """SQLite refuses the switch at once while another connection is reading; it is tried again."""
    import sqlite3
    import threading

    from nishabdham.workers.db import _use_wal

    path = tmp_path / "jobs.sqlite3"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x)")
    other.execute("BEGIN")
    other.execute("SELECT * FROM t").fetchall()  # holds a shared lock, as a second process opening it does
    mine = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _use_wal(mine.cursor(), attempts=1)  # what SQLite does on its own
    threading.Timer(0.3, other.execute, ("COMMIT",)).start()
    _use_wal(mine.cursor())
    assert mine.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
