"""docker/: the compose file accepted by Docker Compose and wired as the README says; the image built where an engine runs.

The compose file is checked with ``docker compose config`` (Compose v2) where that plugin is
installed, else with Debian's ``docker-compose`` 1.29, whose ``config`` validates against the
Compose Specification schema it ships (these machines: 1.29.2, no engine). The image is built
only where a Docker engine answers; elsewhere that test is skipped and says so.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT

COMPOSE = ROOT / "docker" / "compose.yaml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"


def compose_command() -> list[str]:
    """``docker compose`` (v2 plugin) where it is installed, else Debian's ``docker-compose``."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail("neither `docker compose` nor `docker-compose` is installed (make setup installs docker-compose)")


def mount_target(volume) -> str:
    """Where a volume is mounted: ``source:target[:mode]`` (docker-compose 1) or a mapping (Compose 2)."""
    return volume["target"] if isinstance(volume, dict) else volume.split(":")[1]


@pytest.fixture(scope="module")
def config() -> dict:
    result = subprocess.run(
        [*compose_command(), "-f", str(COMPOSE), "config"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_runs_redis_a_worker_the_review_ui_and_flower_on_demand(config):
    services = config["services"]
    assert set(services) == {"redis", "worker", "review", "flower"}
    assert services["redis"]["image"].startswith("redis:")
    assert services["worker"]["command"][:2] == ["nishabdham", "worker"]
    assert services["review"]["command"][:2] == ["nishabdham", "review"]
    flower = services["flower"]
    assert flower["profiles"] == ["monitoring"]  # not started by a plain `up`
    assert flower["command"][:4] == ["celery", "-A", "nishabdham.workers.celery_app", "flower"]
    port = flower["ports"][0]  # "127.0.0.1:5555:5555/tcp" (docker-compose 1) or a mapping (Compose 2)
    if isinstance(port, dict):
        port = f"{port['host_ip']}:{port['published']}:{port['target']}"
    assert port.startswith("127.0.0.1:5555:5555")  # Flower has no password: loopback only


def test_worker_and_review_share_redis_the_job_store_and_the_media(config):
    services = config["services"]
    for name in ("worker", "review"):
        service = services[name]
        assert service["environment"]["NISHABDHAM_BROKER_URL"] == "redis://redis:6379/0"
        assert service["environment"]["NISHABDHAM_DATABASE_URL"] == "sqlite:////data/jobs.sqlite3"
        assert "redis" in service["depends_on"]
        assert {"/data", "/media"} <= {mount_target(v) for v in service["volumes"]}
        assert service["build"]["dockerfile"] == "docker/Dockerfile"


def dockerfile_sources() -> list[str]:
    """What the Dockerfile COPYs from the build context (the repository root)."""
    sources = []
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
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
        assert source not in ignored, f"docker/Dockerfile copies {source}, which .dockerignore leaves out"
    assert ".venv" in ignored and ".git" in ignored  # the context stays small


def docker_engine() -> str:
    """'' when a Docker engine answers, else why not."""
    if not shutil.which("docker"):
        return "no docker command"
    result = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True)
    return "" if result.returncode == 0 else (result.stderr.strip().splitlines() or ["docker info failed"])[-1]


def test_the_image_builds_and_runs_the_command_line():
    why_not = docker_engine()
    if why_not:
        pytest.skip(f"no Docker engine here, so the image is not built ({why_not}); CI with an engine builds it")
    tag = "nishabdham:test"
    build = subprocess.run(
        ["docker", "build", "-f", str(DOCKERFILE), "-t", tag, str(ROOT)], capture_output=True, text=True, timeout=3600
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    run = subprocess.run(
        ["docker", "run", "--rm", tag, "nishabdham", "worker", "--help"], capture_output=True, text=True
    )
    assert run.returncode == 0 and "--concurrency" in run.stdout, run.stderr
    setup = subprocess.run(["docker", "run", "--rm", tag, "nishabdham", "setup"], capture_output=True, text=True)
    assert setup.returncode == 0 and "bundled model verified" in setup.stdout, setup.stdout + setup.stderr
