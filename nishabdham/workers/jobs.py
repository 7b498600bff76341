"""Jobs as data: states, the job, its attempts, its identity, and who holds it.

A job is identified by what it produces: the SHA-256 of the audio file's bytes
and the SHA-256 of the settings that change the output
(:meth:`nishabdham.pipeline.runner.PipelineOptions.output_settings`). The same recording
with the same settings is the same job, so no work is done twice.

A running job is held by one worker process, named ``host:pid``. The claim is
lost when that process is gone (checked on the same host) or when it gave no
heartbeat for the lease (any host). In a container the host is qualified by the
container's PID namespace (:func:`host_id`): containers with host networking
share the machine's name, and one container's PIDs mean nothing in another.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from nishabdham.errors import InputError

if TYPE_CHECKING:
    from nishabdham.settings import Settings
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATES = (QUEUED, RUNNING, DONE, FAILED)
FINISHED = (DONE, FAILED)
LOST = "the worker running it was lost (killed, crashed or out of memory)"


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True, slots=True)
class Job:
    """One recording to subtitle with one set of settings, and what became of it.

    Times are milliseconds since the epoch (``*_ms``), durations milliseconds.
    ``outputs`` are the paths written (the JSON transcript last), ``qa`` the
    summary of the QA report (see :func:`nishabdham.pipeline.cues.qa.summary`).
    """

    id: str
    source: str
    out_dir: str
    stem: str
    audio_sha256: str
    settings_hash: str
    options: dict[str, Any] = field(default_factory=dict)
    state: str = QUEUED
    stage: str = ""
    progress: float = 0.0
    attempts: int = 0
    worker: str = ""
    error: str = ""
    error_code: str = ""
    audio_ms: int | None = None
    created_ms: int = 0
    started_ms: int | None = None
    finished_ms: int | None = None
    heartbeat_ms: int | None = None
    outputs: tuple[str, ...] = ()
    qa: dict[str, Any] = field(default_factory=dict)
    timings_ms: dict[str, int] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def elapsed_ms(self) -> int | None:
        """How long the last attempt ran (so far, while running)."""
        if self.started_ms is None:
            return None
        return (self.finished_ms if self.finished_ms is not None else now_ms()) - self.started_ms

    @property
    def transcript_path(self) -> Path | None:
        """The JSON transcript of a finished job (the review UI opens this)."""
        return self._output(".json") if self.state == DONE else None

    @property
    def qa_path(self) -> Path | None:
        return self._output(".qa.json") if self.state == DONE else None

    def _output(self, suffix: str) -> Path | None:
        name = self.stem + suffix
        return next((Path(p) for p in self.outputs if Path(p).name == name), None)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at a job by one worker process."""

    job_id: str
    number: int
    worker: str
    started_ms: int
    finished_ms: int | None
    outcome: str
    """``running``, ``done``, ``failed``, ``retry`` (an error worth another try) or ``lost``."""
    error: str = ""


@dataclass(frozen=True, slots=True)
class Claim:
    """What a worker got when it asked to run a job."""

    outcome: Literal["claimed", "finished", "busy", "gave-up", "unknown"]
    job: Job | None


# --------------------------------------------------------------------------- identity


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (the audio part of a job's identity)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", path=path) from exc
    return digest.hexdigest()


def settings_sha256(options: dict[str, Any]) -> str:
    """SHA-256 of the output-affecting settings, canonically serialized.

    The one place a job's settings are hashed: over :func:`~nishabdham.pipeline.runner.identity_settings`,
    the decoding section under ``transcribe``, its key before 4 December, so that the jobs done before
    keep their ids (a batch skips done jobs by id) and the same settings still make the same job.
    """
    from nishabdham.pipeline.runner import identity_settings

    text = json.dumps(identity_settings(options), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def job_identity(audio_sha256: str, settings_hash: str) -> str:
    """The job's id: readable prefixes of both hashes (same audio, same settings -> same job)."""
    return f"{audio_sha256[:16]}-{settings_hash[:8]}"


def output_options(settings: Settings) -> dict[str, Any]:
    """The settings that go with a job: those that change its output."""
    return settings.pipeline_options().output_settings()


def job_options(settings: Settings, source: str | Path) -> dict[str, Any]:
    """The options of a job for ``source``, the one builder for every entry point (batch, upload):
    the output settings, and the hash of a text saved beside the recording (``poem.txt`` beside
    ``poem.mp3``, issue 14), so a new text makes a new job, and the version of the poem library (issue 22),
    so a changed library makes new jobs. InputError when that text cannot be read."""
    from nishabdham.pipeline.known_text.library import library_options
    from nishabdham.pipeline.known_text.verse import text_options

    return {**output_options(settings), **text_options(source), **library_options(settings.library)}


#: The inode number of the machine's own (initial) PID namespace, the same on every Linux.
INITIAL_PID_NAMESPACE = "4026531836"


def host_id() -> str:
    """The machine's name, or ``name~N`` inside a container (N its PID namespace): where this process's PIDs mean something."""
    host = socket.gethostname()
    try:
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:[").removesuffix("]")
    except OSError:
        return host
    return host if namespace == INITIAL_PID_NAMESPACE else f"{host}~{namespace}"


def worker_name() -> str:
    """``host:pid`` of this process: who holds a claim."""
    return f"{host_id()}:{os.getpid()}"


def claim_is_lost(job: Job, now: int, lease_ms: int) -> bool:
    """True when the worker that claimed ``job`` is known dead or silent past the lease."""
    host, _, pid = job.worker.rpartition(":")
    if host == host_id() and pid.isdigit() and not _pid_alive(int(pid)):
        return True
    return job.heartbeat_ms is None or now - job.heartbeat_ms > lease_ms


def _pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")  # a zombie has finished; it only waits to be reaped
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
