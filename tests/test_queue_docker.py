"""docker/compose.yaml: accepted by Docker Compose, and wired as the README says (no engine needed)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT

COMPOSE = ROOT / "docker" / "compose.yaml"


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


def test_compose_runs_redis_a_worker_and_the_review_ui(config):
    services = config["services"]
    assert set(services) == {"redis", "worker", "review"}
    assert services["redis"]["image"].startswith("redis:")
    assert services["worker"]["command"][:2] == ["nishabdham", "worker"]
    assert services["review"]["command"][:2] == ["nishabdham", "review"]


def test_worker_and_review_share_redis_the_job_store_and_the_media(config):
    services = config["services"]
    for name in ("worker", "review"):
        service = services[name]
        assert service["environment"]["NISHABDHAM_BROKER_URL"] == "redis://redis:6379/0"
        assert service["environment"]["NISHABDHAM_DATABASE_URL"] == "sqlite:////data/jobs.sqlite3"
        assert "redis" in service["depends_on"]
        assert {"/data", "/media"} <= {mount_target(v) for v in service["volumes"]}
        assert service["build"]["dockerfile"] == "docker/Dockerfile"
