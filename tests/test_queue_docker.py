"""docker/: the compose file as docs/DEPLOY.md describes it, and the whole stack built and run for real.

The compose file is checked with ``docker compose config`` (Compose v2) where that plugin is
installed, else with Debian's ``docker-compose`` 1.29, whose ``config`` validates against the
Compose Specification schema it ships; these checks need no engine and run in ``make test``.

The stack test (marker ``docker``, run by ``make compose-test`` only) does what an operator does
in docs/DEPLOY.md: starts an engine where none runs (``docker/engine.sh``), builds the images with
``make image`` (no registry: the base is made from Debian packages), starts Redis, PostgreSQL, two
workers and the review UI with host networking (every connection on the loopback), subtitles a
batch of three recordings (one broken) through the containers, kills the worker container running
a job and sees the other finish it, restarts the Redis and PostgreSQL containers with a job on the
queue and loses nothing, checks the review UI refuses a visitor who has not signed in, then tears
everything down. Where no engine can be started it fails and says why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import soundfile
import yaml

from nishabdham.errors import NishabdhamError
from nishabdham.evaluation.metrics import telugu_script_share
from nishabdham.pipeline.cues.subtitles import parse_srt
from nishabdham.workers.store import DONE, FAILED, JobStore
from tests.browser_support import chromium, sign_in, wait_until_idle
from tests.conftest import ROOT
from tests.docker_support import (
    COMPOSE_VARIABLES,
    Stack,
    compose_command,
    elapsed,
    run,
    start_engine,
    stop_engine,
    wait_until,
)

COMPOSE = ROOT / "docker" / "compose.yaml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"
SAMPLE_PROSE, SAMPLE_VERSE = "common_voice_te_42973996.wav", "common_voice_te_42973997.wav"
DOCKERFILES = [DOCKERFILE, ROOT / "docker" / "redis.Dockerfile", ROOT / "docker" / "postgres.Dockerfile"]


def mount_target(volume) -> str:
    """Where a volume is mounted: ``source:target[:mode]`` (docker-compose 1) or a mapping (Compose 2)."""
    return volume["target"] if isinstance(volume, dict) else volume.split(":")[1]


@pytest.fixture(scope="module")
def config() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in COMPOSE_VARIABLES and not k.startswith("NISHABDHAM_")}
    env |= {"POSTGRES_PASSWORD": "pg-secret", "NISHABDHAM_REVIEW_PASSWORD": "review-secret"}
    result = subprocess.run(
        [*compose_command(), "-f", str(COMPOSE), "config"], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_runs_redis_postgres_two_workers_the_review_ui_and_flower_on_demand(config):
    services = config["services"]
    assert set(services) == {"redis", "postgres", "worker", "review", "flower", "cli"}
    assert services["cli"]["profiles"] == ["tools"] and "depends_on" not in services["cli"]
    assert services["worker"]["command"][:2] == ["nishabdham", "worker"]
    assert int(services["worker"]["scale"]) == 2
    assert services["review"]["command"][:2] == ["nishabdham", "review"]
    flower = services["flower"]
    assert flower["profiles"] == ["monitoring"]  # not started by a plain `up`
    assert flower["command"][:4] == ["celery", "-A", "nishabdham.workers.celery_app", "flower"]
    for name in ("redis", "postgres", "worker", "review"):
        assert services[name]["healthcheck"]["test"], name


def test_every_service_uses_the_host_network_and_listens_on_the_loopback_by_default(config):
    services = config["services"]
    assert {s["network_mode"] for s in services.values()} == {"host"}
    assert all("ports" not in s for s in services.values())  # nothing published: nothing beyond the machine
    redis = services["redis"]["command"]
    assert redis[redis.index("--bind") + 1] == "127.0.0.1"
    assert services["postgres"]["environment"]["POSTGRES_LISTEN"] == "127.0.0.1"
    review = services["review"]["command"]
    assert review[review.index("--address") + 1] == "127.0.0.1"
    assert "--address=127.0.0.1" in services["flower"]["command"]  # Flower has no password


def test_workers_and_review_share_redis_postgres_and_the_media_and_the_queue_persists(config):
    services = config["services"]
    for name in ("worker", "review", "cli"):
        service = services[name]
        assert service["environment"]["NISHABDHAM_BROKER_URL"] == "redis://:@127.0.0.1:6379/0"  # no password
        assert service["environment"]["NISHABDHAM_DATABASE_URL"] == (
            "postgresql+psycopg://nishabdham:pg-secret@127.0.0.1:5432/nishabdham"
        )
        assert name == "cli" or {"redis", "postgres"} <= set(service["depends_on"])
        assert {"/data", "/media"} <= {mount_target(v) for v in service["volumes"]}
        assert service["build"]["dockerfile"] == "docker/Dockerfile"
    assert "--appendonly" in services["redis"]["command"]  # queued jobs survive a restart
    assert "/data" in {mount_target(v) for v in services["redis"]["volumes"]}
    assert "/var/lib/postgresql/data" in {mount_target(v) for v in services["postgres"]["volumes"]}


def test_compose_refuses_to_start_without_the_passwords():
    env = {k: v for k, v in os.environ.items() if k not in COMPOSE_VARIABLES and not k.startswith("NISHABDHAM_")}
    result = subprocess.run(
        [*compose_command(), "-f", str(COMPOSE), "config"], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert result.returncode != 0 and "POSTGRES_PASSWORD is required" in result.stderr


def dockerfile_sources() -> list[str]:
    """What the Dockerfiles COPY from the build context (the repository root)."""
    sources = []
    lines = [line for path in DOCKERFILES for line in path.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        if match := re.match(r"\s*COPY\s+(?!--from)(.+)", line):
            sources += match.group(1).split()[:-1]
    return sources


def test_everything_the_dockerfile_copies_is_in_the_repository_and_not_ignored():
    """The check that runs without an engine: a moved package would break the image build."""
    sources = dockerfile_sources()
    assert "nishabdham" in sources and "pyproject.toml" in sources
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()}
    for source in sources:
        assert (ROOT / source).exists(), f"docker/Dockerfile copies {source}, which is not in the repository"
        assert source.split("/")[0] not in ignored, f"docker/ copies {source}, which .dockerignore leaves out"
    assert ".venv" in ignored and ".git" in ignored  # the context stays small


# --------------------------------------------------------------------------- the stack, for real


@pytest.fixture(scope="module")
def engine():
    """A Docker engine that answers: installed and started where none runs, stopped after if started here."""
    why_not = start_engine()
    if why_not:
        pytest.fail(f"no Docker engine could be started, so the stack cannot be built or run:\n{why_not}")
    yield
    stop_engine()


@pytest.fixture(scope="module")
def images(engine, artifacts_dir) -> None:
    """``make image``: the application, Redis and PostgreSQL images (cached layers make a rebuild quick)."""
    times = artifacts_dir / "image-build.txt"
    times.unlink(missing_ok=True)
    result = run(["make", "image"], timeout_s=1800, env={**os.environ, "BUILD_TIMES": str(times)}, check=False)
    assert result.returncode == 0, f"make image failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


@pytest.fixture(scope="module")
def artifacts_dir():
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def stack(images, tmp_path):
    stack = Stack(tmp_path, NISHABDHAM_JOB_LEASE_S="10")
    try:
        yield stack
    finally:
        stack.down()


def readings(folder: Path) -> dict[str, Path]:
    """Three recordings: a long reading (about 38 s: time to kill its worker), a short one, a broken one."""
    folder.mkdir(parents=True)
    prose, verse = ROOT / "samples" / "te_prose" / SAMPLE_PROSE, ROOT / "samples" / "te_verse" / SAMPLE_VERSE
    pieces = []
    for gain in (1.0, 0.85):
        for path in (verse, prose):
            samples, rate = soundfile.read(str(path), dtype="float32")
            assert rate == 16000
            pieces += [samples * gain, np.zeros(8000, dtype=np.float32)]
    long = folder / "long reading.wav"
    soundfile.write(str(long), np.concatenate(pieces), 16000)
    short = folder / "prose.wav"
    shutil.copyfile(prose, short)
    corrupt = folder / "corrupt.wav"
    corrupt.write_bytes(short.read_bytes()[:44] + bytes(reversed(short.read_bytes()[44:400])))  # a header, then junk
    return {"long": long, "short": short, "corrupt": corrupt}


def give_to_container_user(path: Path) -> None:
    """The containers run as uid 1000 (user nishabdham): the media folder must be theirs to write."""
    for item in [path, *path.rglob("*")]:
        os.chown(item, 1000, 1000)


def srt_lines(path: Path, line: int = 0) -> str:
    return " ".join(c.lines[line] for c in parse_srt(path.read_text(encoding="utf-8")) if len(c.lines) > line)


@pytest.mark.docker
@pytest.mark.queue
@pytest.mark.model
@pytest.mark.postgres
def test_the_stack_in_containers_subtitles_a_batch_survives_a_killed_worker_and_restarts(stack):
    started = time.monotonic()
    media = stack.media
    files = readings(media / "readings")
    give_to_container_user(media)

    # Start: the command of docs/DEPLOY.md, then every container healthy (the workers answer pings).
    stack.compose("up", "-d", timeout_s=600)
    stack.wait_healthy(("redis", "postgres", "worker", "review"), {"worker": 2}, timeout_s=420)
    workers = stack.containers("worker")
    namespaces = {stack.pid_namespace(c): c for c in workers}
    assert len(namespaces) == 2  # two workers, told apart though they share the machine's name

    # The review UI answers, and shows nothing to a visitor who has not signed in.
    check_review_refuses_strangers(stack)

    # The batch, from a container of its own, as docs/DEPLOY.md gives it. (The store's tables are
    # made first: two processes making them at the same moment race on PostgreSQL's catalogue.)
    store = JobStore(stack.database_url)
    batch = subprocess.Popen(
        [*compose_base(stack), "run", "--rm", "-T", "cli", "nishabdham", "batch", "/media/readings",
         "--out", "/media/subtitles", "--wait", "--no-progress"],
        cwd=ROOT, env=stack.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:

        def submitted():
            if batch.poll() is not None:
                out, err = batch.communicate()
                raise AssertionError(f"the batch ended early ({batch.returncode}):\n{out}\n{err}")
            return job_of(store, "/media/readings/long reading.wav")

        long_job = wait_until(submitted, 180, "the jobs", stack)

        # Kill the worker container running the long reading in the middle of its transcription.
        def mid_transcription():
            job = store.get(long_job.id)
            return job.state == "running" and job.stage == "transcribe" and job.progress < 0.8 and job

        running = wait_until(mid_transcription, 900, "the long reading in the middle of transcription", stack)
        victim = namespaces[namespace_of(running.worker)]
        run(["docker", "kill", victim])
        survivor = next(c for c in workers if c != victim)
        done = wait_until(
            lambda: store.get(long_job.id).finished and store.get(long_job.id), 900, "the long reading to finish", stack
        )
        assert done.state == DONE, done.error
        attempts = store.attempts(long_job.id)
        assert [(a.number, a.outcome) for a in attempts] == [(1, "lost"), (2, "done")], attempts
        assert namespaces.get(namespace_of(attempts[0].worker)) == victim
        assert namespaces.get(namespace_of(attempts[1].worker)) == survivor  # the other worker finished it
        assert stack.inspect(victim)["State"]["Running"] is False  # and not the killed one, back from the dead

        stdout, stderr = batch.communicate(timeout=900)
        assert batch.returncode == 1, stdout + stderr  # one recording failed
        assert "done: 2, failed: 1, skipped (already done): 0" in stdout, stdout + stderr
        assert "nishabdham: error: /media/readings/corrupt.wav: not a recording ffmpeg can read" in stderr, stderr
        check_subtitles(media / "subtitles", files)
        failed = [j for j in store.list_jobs() if j.state == FAILED]
        assert [(j.source, j.attempts) for j in failed] == [("/media/readings/corrupt.wav", 1)]

        # The killed worker comes back with the start command (an upgrade is the same command).
        stack.compose("up", "-d", timeout_s=300)
        stack.wait_healthy(("worker",), {"worker": 2}, timeout_s=300)

        check_restarts_lose_nothing(stack, store, media)
    finally:
        if batch.poll() is None:
            batch.kill()
        store.close()
    print(f"stack test: {elapsed(started)}")


def compose_base(stack: Stack) -> list[str]:
    return [*compose_command(), "-p", stack.project, "-f", str(COMPOSE), "--env-file", str(stack.env_file)]


def job_of(store: JobStore, source: str):
    return next((j for j in store.list_jobs() if j.source == source), None)


def namespace_of(worker: str) -> str:
    """The PID namespace in a worker's name ``host~namespace:pid``."""
    host = worker.rpartition(":")[0]
    assert "~" in host, f"{worker}: a worker in a container names its PID namespace"
    return host.rpartition("~")[2]


def check_subtitles(out: Path, files: dict[str, Path]) -> None:
    """Both good recordings have their full set; the short one reads as the committed sample does."""
    for stem in ("long reading", "prose"):
        for suffix in (".srt", ".vtt", ".json", ".qa.json"):
            assert (out / f"{stem}{suffix}").is_file(), sorted(p.name for p in out.iterdir())
        transcript = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
        assert transcript["source"] == f"/media/readings/{files['long' if stem == 'long reading' else 'short'].name}"
        telugu = srt_lines(out / f"{stem}.srt")
        assert len(telugu) > 20 and telugu_script_share(telugu) > 0.5, telugu  # English words stay in Latin
    # The bundled model ran: most words of the committed sample's subtitles are in the container's.
    committed = ROOT / "samples" / "te_prose" / "subs" / SAMPLE_PROSE.replace(".wav", ".srt")
    words = {w.strip(".,!?") for w in srt_lines(committed).split()}
    got = {w.strip(".,!?") for w in srt_lines(out / "prose.srt").split()}
    assert len(words & got) >= len(words) / 2, (words, got)
    assert not (out / "corrupt.srt").exists()


def check_review_refuses_strangers(stack: Stack) -> None:
    with urllib.request.urlopen(f"{stack.review_url}/_stcore/health", timeout=10) as response:
        assert response.read().decode().strip() == "ok"
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{stack.review_url}/review?job=0123456789abcdef-01234567")
        page.get_by_role("textbox", name="Password").wait_for(timeout=60_000)
        wait_until_idle(page)
        assert page.get_by_role("heading").all_inner_texts() == ["Nishabdham review"]
        assert page.get_by_test_id("stSidebarNavItems").count() == 0
        sign_in(page, stack.review_url, "Mallory", "guess")
        page.get_by_text("wrong password").wait_for()
        assert page.get_by_role("heading", name="Jobs").count() == 0
        page.get_by_role("textbox", name="Password").fill(stack.review_password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Jobs").wait_for(timeout=60_000)


def check_restarts_lose_nothing(stack: Stack, store: JobStore, media: Path) -> None:
    """A job waits on the queue while Redis and PostgreSQL restart; it and every earlier job survive."""
    before = {j.id: (j.state, j.attempts, j.outputs) for j in store.list_jobs()}
    stack.compose("stop", "worker", timeout_s=300)
    later = media / "later"
    later.mkdir()
    shutil.copyfile(ROOT / "samples" / "te_verse" / SAMPLE_VERSE, later / "verse.wav")
    give_to_container_user(later)
    submitted = stack.compose("run", "--rm", "-T", "cli", "nishabdham", "batch", "/media/later", "--out",
                              "/media/later-subtitles", "--no-progress", timeout_s=300)  # fmt: skip
    assert "1 sent to the workers" in submitted.stdout, submitted.stdout
    queued = job_of(store, "/media/later/verse.wav")
    assert queued.state == "queued"

    stack.compose("restart", "redis", "postgres", timeout_s=300)
    stack.wait_healthy(("redis", "postgres"), timeout_s=180)
    [redis] = stack.containers("redis")
    cli = ["redis-cli", "-p", str(stack.ports["REDIS_PORT"]), "--no-auth-warning", "-a", stack.redis_password]
    length = run(["docker", "exec", redis, *cli, "llen", "nishabdham"])
    assert length.stdout.strip() == "1", "the queued job was lost with the Redis restart"
    after = wait_until(lambda: _try(store.list_jobs), 60, "the job store after the PostgreSQL restart", stack)
    assert {j.id: (j.state, j.attempts, j.outputs) for j in after if j.id in before} == before

    stack.compose("up", "-d", timeout_s=300)
    done = wait_until(lambda: store.get(queued.id).finished and store.get(queued.id), 600, "the queued job", stack)
    assert done.state == DONE and done.attempts == 1, done
    assert (media / "later-subtitles" / "verse.srt").is_file()
    again = stack.compose("run", "--rm", "-T", "cli", "nishabdham", "batch", "/media/readings", "--out",
                          "/media/subtitles", "--wait", "--no-progress", timeout_s=300, check=False)  # fmt: skip
    assert "done: 0, failed: 1, skipped (already done): 2" in again.stdout, again.stdout + again.stderr


def _try(read):
    try:
        return read()
    except NishabdhamError:
        return None
