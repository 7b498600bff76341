"""Real processes for the queue tests: redis-server and a PostgreSQL cluster on free loopback ports, Celery workers, batch commands.

Nothing here is a mock: tests drive the same ``redis-server``, ``postgres``, ``celery -A
nishabdham.workers.celery_app worker`` / ``nishabdham worker`` and ``nishabdham batch``
processes a user runs. Every process a test starts is stopped by that test
(the context managers and fixtures below), whatever happens.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], timeout_s: float, what: str, poll_s: float = 0.2):
    """Poll ``condition`` until it returns something truthy; fail with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(poll_s)


class RedisServer:
    """A throw-away redis-server without persistence: a restart loses every queued message."""

    def __init__(self, workdir: Path) -> None:
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        argv = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]
        self.log = open(self.workdir / f"redis-{self.port}.log", "ab")
        self.process = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self.ping, 20, f"redis-server on port {self.port}")
        return self

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=5)

    def ping(self) -> bool:
        import redis

        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def flush(self) -> None:
        self.client().flushall()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.process = None
        self.log.close()

    def restart(self) -> None:
        """Kill (no save: the queue is lost) and start again on the same port."""
        self.stop(signal.SIGKILL)
        self.start()


def postgres_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` holding initdb and pg_ctl (Debian's ``postgresql``), or PATH's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).resolve().parent if pg_ctl else None


class PostgresServer:
    """A throw-away PostgreSQL cluster on a free loopback port: ``initdb`` + ``pg_ctl``, trust on loopback only.

    PostgreSQL refuses to run as root, so as root the cluster runs as the ``postgres`` user
    (Debian's package makes it) or ``nobody``, in a folder under /tmp that it owns. Durability
    is traded for speed (``fsync=off``; commits stay synchronous): a crash of the server process recovers every commit from its
    WAL (``restart`` kills it with ``immediate``), only a crash of the machine would not.
    """

    def __init__(self) -> None:
        bindir = postgres_bindir()
        if bindir is None:
            raise FileNotFoundError("PostgreSQL is not installed (Debian: apt-get install postgresql; make setup does)")
        self.bindir = bindir
        self.user = None if os.geteuid() != 0 else _cluster_user()
        self.root = Path(tempfile.mkdtemp(prefix="nishabdham-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._names = itertools.count(1)
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale",
                  "--no-sync")  # fmt: skip

    def _run(self, tool: str, *argv: str, timeout_s: float = 120) -> subprocess.CompletedProcess:
        command = [str(self.bindir / tool), *argv]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} -> {result.returncode}\n{result.stdout}\n{result.stderr}\n{self.log()}"
            )
        return result

    def log(self) -> str:
        path = self.root / "postgres.log"
        try:
            return path.read_text(encoding="utf-8", errors="replace")[-3000:]
        except OSError:
            return ""

    def start(self) -> PostgresServer:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300 "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "postgres.log"), "-o", options, "-w", "-t",
                  "60", "start")  # fmt: skip
        wait_for(self.ping, 30, f"PostgreSQL on port {self.port}")
        return self

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, down_s: float = 2.0) -> None:
        """Kill the server at once (``immediate``: no clean shutdown, every connection cut), wait, start again."""
        self.stop("immediate")
        time.sleep(down_s)
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _connect(self):
        import psycopg

        return psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True,
                               connect_timeout=3)  # fmt: skip

    def ping(self) -> bool:
        import psycopg

        try:
            with self._connect() as conn:
                return conn.execute("SELECT 1").fetchone() == (1,)
        except psycopg.OperationalError:
            return False

    def create_database(self) -> str:
        """A new, empty database; its SQLAlchemy URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        with self._connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def cleanup(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _cluster_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("no postgres or nobody user to run PostgreSQL as (it refuses to run as root)")


def queue_env(redis: RedisServer, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment for a worker or batch process of one test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NISHABDHAM_") or k == "NISHABDHAM_DEV_DATA"}
    env.update(
        NISHABDHAM_BROKER_URL=redis.url,
        NISHABDHAM_DATA_DIR=str(data_dir),
        NISHABDHAM_LOG_LEVEL="INFO",
        PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Worker:
    """A real worker in its own process group: ``celery -A nishabdham.workers.celery_app worker`` or ``nishabdham worker``."""

    def __init__(self, env: dict[str, str], log_path: Path, *, via: str = "celery", concurrency: int = 1) -> None:
        if via == "celery":
            argv = [
                str(BIN / "celery"),
                "-A",
                "nishabdham.workers.celery_app",
                "worker",
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
            ]
            argv += [f"--concurrency={concurrency}", f"--hostname=test-{log_path.stem}@%h"]
        else:
            argv = [
                str(BIN / "nishabdham"),
                "worker",
                f"--concurrency={concurrency}",
                f"--name=test-{log_path.stem}@%h",
            ]
        self.log_path = log_path
        self.concurrency = concurrency
        self._log = open(log_path, "ab")
        self.process = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout_s: float = 120) -> Worker:
        """Until the worker consumes and each pool process has loaded the model."""

        def ready() -> bool:
            log = self.log()
            return not self.alive() or (" ready." in log and log.count("ready: model") >= self.concurrency)

        wait_for(ready, timeout_s, f"worker ready ({self.log_path})")
        assert self.alive(), f"worker exited early:\n{self.log()[-3000:]}"
        return self

    def alive(self) -> bool:
        return self.process.poll() is None

    def pool_pids(self) -> list[int]:
        """Pids of the worker's pool processes (children of the main process)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid and fields[0] not in ("Z", "X"):
                pids.append(int(stat.parent.name))
        return pids

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool) at once, as a crash or the OOM killer would."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL for whatever is left in the group."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait(timeout=30)
        self._log.close()


def nishabdham(
    *argv: str, env: dict[str, str], timeout_s: float = 300, check: bool = False
) -> subprocess.CompletedProcess:
    """Run the ``nishabdham`` command in its own process and return what it printed."""
    result = subprocess.run(
        [str(BIN / "nishabdham"), *argv], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s
    )
    if check:
        assert result.returncode == 0, (
            f"nishabdham {' '.join(argv)} -> {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


def start_nishabdham(*argv: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "nishabdham"), *argv], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


class QueueHarness:
    """One test's queue: its own job store and output folders on the session's Redis, and its workers."""

    def __init__(self, redis: RedisServer, tmp_path: Path, database_url: str = "", **settings: str) -> None:
        redis.flush()
        self.redis, self.tmp_path = redis, tmp_path
        self.data_dir = tmp_path / "data"
        self.database_url = database_url or f"sqlite:///{self.data_dir / 'jobs.sqlite3'}"
        if database_url:
            settings = {"NISHABDHAM_DATABASE_URL": database_url, **settings}
        self.env = queue_env(redis, self.data_dir, **settings)
        self.workers: list[Worker] = []
        self._stores: list = []

    def store(self):
        from nishabdham.workers.store import JobStore

        store = JobStore(self.database_url)
        self._stores.append(store)
        return store

    def worker(self, *, via: str = "celery", concurrency: int = 1, ready: bool = True) -> Worker:
        worker = Worker(
            self.env, self.tmp_path / f"worker{len(self.workers) + 1}.log", via=via, concurrency=concurrency
        )
        self.workers.append(worker)
        return worker.wait_ready() if ready else worker

    def batch(self, *argv: str, timeout_s: float = 300) -> subprocess.CompletedProcess:
        return nishabdham("batch", *argv, env=self.env, timeout_s=timeout_s)

    def logs(self, tail: int | None = 4000) -> str:
        """Every worker's log (the last ``tail`` characters of each; all with None)."""
        return "\n".join(f"--- {w.log_path.name}\n{w.log()[-tail if tail else 0 :]}" for w in self.workers)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        for store in self._stores:
            store.close()
