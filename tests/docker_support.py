"""The stack of docker/compose.yaml for real: the Docker engine, the images and a Compose project of one test.

Everything goes through the commands docs/DEPLOY.md gives an operator: ``docker/engine.sh start``
(install and start an engine where none runs), ``make image`` (``docker/build-image.sh``) and
``docker-compose -f docker/compose.yaml --env-file FILE ...``. The project has its own name, ports,
volumes and media folder, and ``down -v`` removes all of it; the engine is stopped only when
``docker/engine.sh`` started it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.queue_support import free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker" / "compose.yaml"
#: Compose variables an operator's shell may hold: the test's env file alone decides them.
COMPOSE_VARIABLES = (
    "WORKERS", "REDIS_PORT", "REDIS_HOST", "REDIS_PASSWORD", "POSTGRES_PORT", "POSTGRES_HOST", "POSTGRES_PASSWORD", "REVIEW_PORT",
    "REVIEW_ADDRESS", "LISTEN_ADDRESS", "BASE_IMAGE", "NISHABDHAM_IMAGE", "REDIS_IMAGE", "POSTGRES_IMAGE",
)  # fmt: skip


def run(argv: list[str], timeout_s: float = 600, env: dict | None = None, check: bool = True):
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s, env=env)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} -> {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def start_engine() -> str:
    """'' once an engine answers (installed and started where needed), else why not."""
    result = subprocess.run(["docker/engine.sh", "start"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    return "" if result.returncode == 0 else (result.stdout + result.stderr).strip() or "docker/engine.sh start failed"


def stop_engine() -> None:
    subprocess.run(["docker/engine.sh", "stop"], cwd=ROOT, capture_output=True, text=True, timeout=120)


def compose_command() -> list[str]:
    """``docker compose`` (v2 plugin) where it is installed, else Debian's ``docker-compose``."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise AssertionError("neither `docker compose` nor `docker-compose` is installed (docker/engine.sh installs it)")


class Stack:
    """One Compose project of docker/compose.yaml: its env file, media folder and containers."""

    def __init__(self, workdir: Path, **settings: str) -> None:
        self.workdir = workdir
        self.project = f"nishabdham-test-{os.getpid()}"
        self.media = workdir / "media"
        self.media.mkdir(parents=True, exist_ok=True)
        self.ports = {name: free_port() for name in ("REDIS_PORT", "POSTGRES_PORT", "REVIEW_PORT")}
        self.postgres_password, self.review_password = "stackTestPg1", "stack-test-review"
        self.redis_password = "stackTestRedis1"
        values = {
            **{name: str(port) for name, port in self.ports.items()},
            "POSTGRES_PASSWORD": self.postgres_password,
            "REDIS_PASSWORD": self.redis_password,
            "NISHABDHAM_REVIEW_PASSWORD": self.review_password,
            "NISHABDHAM_MEDIA": str(self.media),
            "WORKERS": "2",
            **settings,
        }
        self.env_file = workdir / "stack.env"
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("NISHABDHAM_") and k not in COMPOSE_VARIABLES and not k.startswith("COMPOSE_")
        }

    @property
    def database_url(self) -> str:
        return f"postgresql+psycopg://nishabdham:{self.postgres_password}@127.0.0.1:{self.ports['POSTGRES_PORT']}/nishabdham"

    @property
    def review_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['REVIEW_PORT']}"

    def compose(self, *argv: str, timeout_s: float = 600, check: bool = True) -> subprocess.CompletedProcess:
        command = [*compose_command(), "-p", self.project, "-f", str(COMPOSE_FILE), "--env-file", str(self.env_file)]
        return run([*command, *argv], timeout_s=timeout_s, env=self.env, check=check)

    def containers(self, service: str, *, all_: bool = False) -> list[str]:
        """Container ids of ``service`` (running ones, or all with ``all_``)."""
        filters = ["--filter", f"label=com.docker.compose.project={self.project}"]
        filters += ["--filter", f"label=com.docker.compose.service={service}"]
        result = run(["docker", "ps", "-q", "--no-trunc", *(["-a"] if all_ else []), *filters])
        return sorted(result.stdout.split())

    def inspect(self, container: str) -> dict:
        return json.loads(run(["docker", "inspect", container]).stdout)[0]

    def health(self, container: str) -> str:
        state = self.inspect(container)["State"]
        return state.get("Health", {}).get("Status", state["Status"])

    def wait_healthy(self, services: tuple[str, ...], count: dict[str, int] | None = None, timeout_s: float = 300):
        """Until every container of ``services`` (``count`` of them where given) reports healthy."""

        def healthy() -> bool:
            for service in services:
                ids = self.containers(service)
                if len(ids) != (count or {}).get(service, 1) or any(self.health(c) != "healthy" for c in ids):
                    return False
            return True

        try:
            wait_for(healthy, timeout_s, f"{', '.join(services)} healthy", poll_s=2)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.describe()}") from None

    def pid_namespace(self, container: str) -> str:
        """The container's PID namespace number: what ``host_id`` adds to a worker's name in it."""
        pid = self.inspect(container)["State"]["Pid"]
        return os.readlink(f"/proc/{pid}/ns/pid").removeprefix("pid:[").removesuffix("]")

    def logs(self, tail: int = 60) -> str:
        return self.compose("logs", "--no-color", f"--tail={tail}", check=False).stdout

    def describe(self) -> str:
        """What the project's containers are doing, for a failure message."""
        lines = []
        for container in self._all():
            info = self.inspect(container)
            state = info["State"]
            health = state.get("Health", {})
            last = (health.get("Log") or [{}])[-1].get("Output", "").strip()[-300:]
            lines.append(f"{info['Name']}: {state['Status']} {health.get('Status', '')} {last}")
        return "\n".join(lines) + "\n" + self.logs()

    def _all(self) -> list[str]:
        result = run(["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={self.project}"])
        return result.stdout.split()

    def down(self) -> None:
        self.compose("down", "-v", "--remove-orphans", "--timeout", "20", timeout_s=300, check=False)


def wait_until(condition, timeout_s: float, what: str, stack: Stack, poll_s: float = 0.5):
    try:
        return wait_for(condition, timeout_s, what, poll_s=poll_s)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{stack.describe()}") from None


def elapsed(started: float) -> str:
    return f"{time.monotonic() - started:.0f} s"
