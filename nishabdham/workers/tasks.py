"""The one Celery task: a job id in; claim, run the pipeline, record the outcome.

The task itself is thin; :func:`run_job` does the work and is a plain function
(tests call it directly). A job is claimed in the store first, so a message
delivered twice (a restored Redis message, ``--resume``, two batches) runs the
job once: the second delivery finds it finished, or running elsewhere.

Bad input (not audio, empty, corrupt) fails the job at once with its reason;
any other error puts it back for another try with backoff, until
``max_attempts``; a worker process that dies mid-job is noticed by the next one
(see :meth:`nishabdham.workers.store.JobStore.claim`). Outputs are written atomically to
fixed names, and leftovers of an attempt that was killed while writing are
removed before the next one starts: a job leaves exactly one set of files.
"""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init

from nishabdham.errors import ConfigError, InputError, NishabdhamError, QueueError, SubtitleFormatError
from nishabdham.process import release_free_memory
from nishabdham.types import from_jsonable
from nishabdham.workers.celery_app import TASK_NAME
from nishabdham.workers.jobs import Job, worker_name
from nishabdham.workers.store import JobStore

if TYPE_CHECKING:
    from nishabdham.pipeline.known_text.verse import PoemText
    from nishabdham.pipeline.runner import Pipeline, PipelineOptions
    from nishabdham.settings import Settings
    from nishabdham.types import Transcript

log = logging.getLogger(__name__)

#: Errors that come back on every try: the job fails at once.
PERMANENT_ERRORS = (InputError, SubtitleFormatError, ConfigError)
RETRY_BASE_S, RETRY_MAX_S = 10, 600
#: When the job store stays away longer than its own retries, the message is sent again this much later.
STORE_AWAY_RETRY_S = 30


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one delivery of a job did (the task's JSON result)."""

    job_id: str
    outcome: str
    """``done``, ``failed``, ``retry`` or why it did nothing: ``finished``, ``busy``, ``gave-up``, ``unknown``."""
    error: str = ""
    retry_in_s: int | None = None


class WorkerRuntime:
    """What one worker process keeps between jobs: its settings, the store, the loaded pipeline."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = JobStore.from_settings(settings)
        self.pid = os.getpid()
        self._pipeline: Pipeline | None = None

    def pipeline(self, options: PipelineOptions) -> Pipeline:
        """The pipeline for ``options``, kept between jobs: model, word list and glossary load once.

        A job with other settings gets a new pipeline (keeping the model when it is the same one):
        one pipeline, one model in memory at a time.
        """
        from nishabdham.pipeline.decode.model import load_model
        from nishabdham.pipeline.runner import Pipeline

        current = self._pipeline
        if current is None or current.options != options:
            same_model = current is not None and current.options.model == options.model
            self._pipeline = Pipeline(options, current.model if same_model else load_model(options.model))
        return self._pipeline

    def pipeline_for(self, job: Job) -> Pipeline:
        return self.pipeline(job_pipeline_options(job.options, self.settings))

    def warm_up(self) -> None:
        """Load the model and the code-switch resources, and run the pipeline once on a second of tone.

        The first job then starts as fast as the others; nothing is written.
        """
        import tempfile
        import wave

        import numpy as np

        pipeline = self.pipeline(self.settings.pipeline_options())
        pipeline.codeswitch.load()
        pipeline.latin_only_tokens()
        tone = (3000 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)).astype("<i2")
        with tempfile.TemporaryDirectory(prefix="nishabdham-warm-up-") as folder:
            path = Path(folder) / "tone.wav"
            with wave.open(str(path), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(16000)
                out.writeframes(tone.tobytes())
            pipeline.run(path)


_runtime: WorkerRuntime | None = None


def runtime(settings: Settings) -> WorkerRuntime:
    """This process's runtime (made once per process, never inherited across a fork)."""
    global _runtime
    if _runtime is None or _runtime.pid != os.getpid():
        _runtime = WorkerRuntime(settings)
    return _runtime


@worker_process_init.connect
def _load_model_once(**_: Any) -> None:
    """Each worker process loads the model when it starts, not on its first job."""
    from celery import current_app

    from nishabdham.process import limit_malloc_arenas

    limit_malloc_arenas()

    settings = getattr(current_app, "nishabdham_settings", None)
    if settings is None:
        return
    try:
        runtime(settings).warm_up()
    except NishabdhamError as exc:  # jobs will meet the same error and fail with it; the worker stays up
        log.error("worker process %d: %s", os.getpid(), exc)
        return
    log.info("worker process %d ready: model %s loaded", os.getpid(), settings.model)


@shared_task(bind=True, name=TASK_NAME, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def transcribe_job(self, job_id: str) -> dict[str, Any]:
    """Run one job by id; progress goes to the job store and to ``update_state``."""
    process = runtime(self.app.nishabdham_settings)
    try:
        outcome = run_job(job_id, process, _task_progress(self, job_id))
    except QueueError as exc:  # the job store is away (a restart): not the job's fault, so no attempt is spent
        log.warning("job %s: %s; sent again in %d s", job_id, exc, STORE_AWAY_RETRY_S)
        raise self.retry(countdown=STORE_AWAY_RETRY_S, exc=exc) from exc
    finally:
        release_free_memory()  # what the job's decodes freed goes back to the system
    if outcome.retry_in_s is not None:
        raise self.retry(countdown=outcome.retry_in_s)
    return {"job_id": outcome.job_id, "outcome": outcome.outcome, "error": outcome.error}


def _task_progress(task, job_id: str):
    from kombu.exceptions import OperationalError

    def report(stage: str, fraction: float) -> None:
        try:
            task.update_state(state="PROGRESS", meta={"job_id": job_id, "stage": stage, "progress": round(fraction, 4)})
        except (OperationalError, OSError) as exc:  # Redis away for a moment: the store still has it
            log.debug("job %s: progress not sent to the result backend: %s", job_id, exc)

    return report


# --------------------------------------------------------------------------- one job


def run_job(job_id: str, process: WorkerRuntime, on_progress=None) -> Outcome:
    """Claim ``job_id`` and run it to an outcome that is recorded in the store."""
    settings, store, me = process.settings, process.store, worker_name()
    claim = store.claim(job_id, me, lease_ms=settings.job_lease_s * 1000, max_attempts=settings.max_attempts)
    if claim.outcome != "claimed":
        log.info("job %s: nothing to do (%s)", job_id, claim.outcome)
        return Outcome(job_id, claim.outcome, claim.job.error if claim.job else "")
    job = claim.job
    log.info("job %s: attempt %d on %s: %s", job_id, job.attempts, me, job.source)

    def progress(stage: str, fraction: float) -> None:
        try:
            store.report_progress(job_id, me, stage, fraction)
        except QueueError as exc:  # the store is away for a moment: the job goes on, the heartbeat keeps trying
            log.warning("job %s: progress not recorded: %s", job_id, exc)
        if on_progress is not None:
            on_progress(stage, fraction)

    started = time.perf_counter()
    with Heartbeat(store, job_id, me, interval_s=max(1.0, settings.job_lease_s / 4)):
        try:
            transcript, outputs, qa = execute(job, process, progress)
        except PERMANENT_ERRORS as exc:
            return _failed(store, job, me, _message(exc, job), exc.code)
        except SoftTimeLimitExceeded:
            return _failed(store, job, me, f"took longer than job_timeout_s ({settings.job_timeout_s} s)", "timeout")
        except NishabdhamError as exc:  # model, output, store: may work on the next try or another worker
            return _retry_or_fail(store, job, me, _message(exc, job), exc.code, settings.max_attempts)
        except Exception as exc:  # an unexpected fault: keep its trace in the log, try again, then give up
            log.exception("job %s: unexpected error", job_id)
            return _retry_or_fail(
                store, job, me, f"{job.source}: {type(exc).__name__}: {exc}", "internal", settings.max_attempts
            )
    timings = {**transcript.timings_ms, "job": int(1000 * (time.perf_counter() - started))}
    if not store.complete(job_id, me, outputs=outputs, qa=qa, timings_ms=timings, audio_ms=transcript.duration_ms):
        return Outcome(job_id, "busy", "another worker took the job over (this one missed its lease)")
    log.info("job %s: done, %d cues, QA score %s", job_id, len(transcript.cues), qa.get("score"))
    return Outcome(job_id, "done")


def execute(job: Job, process: WorkerRuntime, progress) -> tuple[Transcript, list[Path], dict[str, Any]]:
    """Run the pipeline for one claimed job; write subtitles and the QA report beside them."""
    from nishabdham.pipeline.cues.qa import summary, write_qa_report

    out_dir = Path(job.out_dir)
    remove_partial_outputs(out_dir, job.stem)
    pipeline = process.pipeline_for(job)
    given = {"text": poem} if (poem := given_text(job)) else {}  # poem.txt beside poem.mp3
    transcript, written = pipeline.run_to_files(job.source, out_dir, job.stem, progress, **given)
    qa_path, report = write_qa_report(
        transcript, out_dir, job.stem, pipeline.options.segment.rules, process.settings.qa
    )
    return transcript, [*written, qa_path], summary(report)


def given_text(job: Job) -> PoemText | None:
    """The job's given text (issue 14): ``poem.txt`` beside ``poem.mp3``, read as ``transcribe --text`` reads it."""
    from nishabdham.pipeline.known_text.verse import read_text, text_beside

    beside = text_beside(job.source)
    return read_text(beside) if beside else None


def job_pipeline_options(options: dict[str, Any], settings: Settings) -> PipelineOptions:
    """The job's output settings, with this machine's model directory and threads.

    A job stored before 4 December keeps its decoding section under ``transcribe``: read as ``decode``.
    """
    from nishabdham.pipeline.runner import PipelineOptions, current_settings

    local = settings.model_options()
    options = current_settings(options)
    data = {
        # the job's given text (issue 14) and its library's version (issue 22) name the job, they are not options
        **{k: v for k, v in options.items() if k not in ("text_sha256", "library_sha256")},
        "model": {
            **options.get("model", {}),
            "models_dir": local.models_dir,
            "cpu_threads": local.cpu_threads,
            "decode_workers": local.decode_workers,
        },
        "library": {**options.get("library", {}), "cache_dir": str(settings.library_index_dir())},
    }
    try:
        return from_jsonable(PipelineOptions, data)
    except ValueError as exc:  # pydantic's ValidationError: a job from an incompatible version
        raise ConfigError(f"the job's settings cannot be used by this worker: {exc}") from exc


def remove_partial_outputs(out_dir: Path, stem: str) -> list[Path]:
    """Delete temporary files that a killed attempt left while writing ``stem``'s outputs."""
    pattern = re.compile(rf"\.{re.escape(stem)}(\.[a-z]{{2,3}}(-[a-z]{{2,3}})?)?\.(srt|vtt|json)\.[^.]+\.tmp")
    removed = [p for p in out_dir.glob(f".{glob_escape(stem)}.*.tmp") if pattern.fullmatch(p.name)]
    for path in removed:
        path.unlink(missing_ok=True)
        log.info("removed a partial output of an earlier attempt: %s", path)
    return removed


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _message(exc: NishabdhamError, job: Job) -> str:
    return str(exc) if exc.path else f"{job.source}: {exc}"


def _failed(store: JobStore, job: Job, me: str, error: str, code: str) -> Outcome:
    log.warning("job %s: failed: %s", job.id, error)
    store.fail(job.id, me, error, code)
    return Outcome(job.id, "failed", error)


def _retry_or_fail(store: JobStore, job: Job, me: str, error: str, code: str, max_attempts: int) -> Outcome:
    if job.attempts >= max_attempts:
        return _failed(store, job, me, f"gave up after {job.attempts} attempt(s): {error}", code)
    delay = min(RETRY_MAX_S, RETRY_BASE_S * 2 ** (job.attempts - 1)) + random.randint(0, RETRY_BASE_S)
    log.warning("job %s: attempt %d failed (%s); next try in %d s", job.id, job.attempts, error, delay)
    store.release(job.id, me, error, code)
    return Outcome(job.id, "retry", error, retry_in_s=delay)


class Heartbeat:
    """While a job runs, tell the store every ``interval_s`` that its worker is alive."""

    def __init__(self, store: JobStore, job_id: str, worker: str, interval_s: float) -> None:
        self.store, self.job_id, self.worker, self.interval_s = store, job_id, worker, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.store.heartbeat(self.job_id, self.worker)
            except NishabdhamError as exc:  # the store is busy or away: the next beat may get through
                log.warning("job %s: heartbeat not recorded: %s", self.job_id, exc)


# --------------------------------------------------------------------------- adapting a model

ADAPT_TASK_NAME = "nishabdham.adapt_model"


@shared_task(bind=True, name=ADAPT_TASK_NAME, acks_late=True, reject_on_worker_lost=True)
def adapt_model_task(self, manifest: str, name: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Adapt Whisper to the rows of ``manifest`` and install it as ``name`` (see :mod:`nishabdham.adapt.job`).

    ``options`` holds AdaptOptions fields and ``replace``; progress goes to ``update_state``. The
    worker needs the adapt extra (torch, transformers): without it the task fails naming the extra.
    """
    return run_adapt(self.app.nishabdham_settings, manifest, name, options or {}, _task_progress(self, name))


def run_adapt(settings: Settings, manifest: str, name: str, options: dict[str, Any], progress=None) -> dict[str, Any]:
    """The task's work as a plain function: the result is ``installed``, ``refusal`` and the model card."""
    from dataclasses import fields, replace

    from nishabdham.adapt.job import adapt_model
    from nishabdham.adapt.options import AdaptOptions

    known = {f.name for f in fields(AdaptOptions)}
    unknown = set(options) - known - {"replace", "guards"}
    if unknown:
        raise ConfigError(f"unknown adapt option(s): {', '.join(sorted(unknown))}")
    chosen = replace(AdaptOptions(), **{k: v for k, v in options.items() if k in known})
    result = adapt_model(
        manifest,
        name,
        settings.data_dir,
        settings.pipeline_options(),
        chosen,
        guards=options.get("guards", ()),
        replace_existing=bool(options.get("replace")),
        progress=progress or (lambda stage, fraction: None),
    )
    return {"name": name, "installed": result.installed, "refusal": result.refusal, "card": result.card}
