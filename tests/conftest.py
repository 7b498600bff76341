"""Shared fixtures: the dev data, the real bundled model (loaded once), audio makers."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from nishabdham.evaluation.devset import pin_kernels

#: Every test decodes with the regression guard's CPU kernels (CTranslate2 and oneDNN both held to
#: AVX2), in this process and in the workers it starts: int8 products differ by
#: instruction set and library (docs/DETERMINISM.md), and on another CI machine's own kernels a
#: model test read another transcript (a Telugu part of the code-switched reading at 87.5 % Telugu
#: script instead of 100 %). A test's outcome must not depend on which CPU CI draws. Set before
#: CTranslate2 loads; the product itself keeps each machine's kernels.
PINNED_KERNELS = pin_kernels()

ROOT = Path(__file__).resolve().parents[1]
DEV_DATA = Path(os.environ.get("NISHABDHAM_DEV_DATA", ROOT.parent / "shared" / "data" / "dev"))
ARTIFACTS = ROOT / "test-artifacts"


#: Fixtures that read the dev recordings outside the repository (../shared/data/dev).
DEV_FIXTURES = {"dev_data", "te_rows"}


def pytest_collection_modifyitems(config, items):
    """A test that uses the dev recordings carries the ``devdata`` marker (``make test-fast`` leaves them out).

    A ``docker`` test (the compose stack, ``make compose-test``) runs only when ``-m`` names ``docker``:
    it is deselected, not skipped, everywhere else.
    """
    for item in items:
        if DEV_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.devdata)
    if "docker" not in (config.getoption("markexpr", "") or ""):
        deselected = [item for item in items if item.get_closest_marker("docker")]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if not item.get_closest_marker("docker")]


#: The seed of CTranslate2's sampler in model tests (Whisper's sampled temperature fallback).
DECODE_SEED = 0


@pytest.fixture(autouse=True)
def _seeded_decoding(request):
    """Model tests seed CTranslate2's sampler. It seeds each decoding thread once, when the thread
    first samples (pipeline.decode.fallback): a model loaded in the test gets the seed; threads that
    already sampled keep their own sequence."""
    if request.node.get_closest_marker("model") is not None:
        import ctranslate2

        ctranslate2.set_random_seed(DECODE_SEED)


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """No test reads the user's settings or writes into their data directory."""
    for key in list(os.environ):
        if key.startswith("NISHABDHAM_") and key != "NISHABDHAM_DEV_DATA":
            monkeypatch.delenv(key)
    monkeypatch.setenv("NISHABDHAM_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def dev_data() -> Path:
    if not (DEV_DATA / "te_cv" / "manifest.jsonl").is_file():
        pytest.fail(f"dev data not found at {DEV_DATA}; set NISHABDHAM_DEV_DATA")
    return DEV_DATA


@pytest.fixture(scope="session")
def te_rows(dev_data) -> list[dict]:
    manifest = dev_data / "te_cv" / "manifest.jsonl"
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        row["path"] = str(manifest.parent / row["audio_filepath"])
    return rows


@pytest.fixture(scope="session")
def jfk() -> tuple[Path, str]:
    """The English JFK clip and its transcript, bundled in samples/."""
    folder = ROOT / "samples" / "en_jfk"
    return folder / "jfk.flac", (folder / "transcript.txt").read_text(encoding="utf-8").strip()


@pytest.fixture(scope="session")
def model():
    """The real bundled Whisper base model, loaded once for the whole session."""
    from nishabdham.pipeline.decode.model import load_model

    return load_model()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = 16000) -> Path:
    import soundfile

    soundfile.write(str(path), np.asarray(samples, dtype=np.float32), sample_rate, subtype="PCM_16")
    return path


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def tone(freq: float, seconds: float, amplitude: float, sample_rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on a free loopback port for the queue tests, stopped when the session ends."""
    from tests.queue_support import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server():
    """A throw-away PostgreSQL cluster on a free loopback port for the queue tests, removed when the session ends."""
    from tests.queue_support import PostgresServer

    try:
        server = PostgresServer()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    server.start()
    yield server
    server.cleanup()


#: The job stores every store and queue test runs on.
STORE_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=STORE_BACKENDS)
def store_url(request, tmp_path):
    """A new, empty job store: SQLite in this test's folder, or a new database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    return request.getfixturevalue("postgres_server").create_database()


@pytest.fixture
def queue(redis_server, store_url, tmp_path):
    """This test's job store (SQLite or PostgreSQL), environment and real worker processes (all stopped afterwards)."""
    from tests.queue_support import QueueHarness

    postgres = store_url.startswith("postgresql")  # SQLite: the default place, jobs.sqlite3 in the data directory
    harness = QueueHarness(redis_server, tmp_path, database_url=store_url if postgres else "")
    yield harness
    harness.stop()
