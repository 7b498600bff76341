"""The Celery app, built from the one settings object.

``celery -A nishabdham.workers.celery_app worker`` and ``nishabdham worker`` both start a
worker from here. Each worker process loads the Whisper model once, when it
starts (``worker_process_init``), runs the pipeline once on a second of tone
so that the first job pays no start-up cost, and keeps the model for every
job it runs. The
worker's main process also looks for jobs whose worker was lost (killed, out
of memory, a machine gone) when it starts and every half lease after, and puts
them back on the queue (see :meth:`nishabdham.workers.store.JobStore.requeue_lost`).

Delivery: JSON only, job ids only; a message is acknowledged after its job
ran (``acks_late``) and handed back when the process running it dies
(``task_reject_on_worker_lost``); one message at a time per process; Redis's
``visibility_timeout`` is longer than the longest job, so a job that is still
running is never handed to a second worker.

Monitoring: every worker sends Celery's task events (received, started,
succeeded, failed, retried) and ``batch`` a task-sent event, so Flower
(``celery -A nishabdham.workers.celery_app flower``, the ``monitoring`` extra) and
``celery events`` show the queue as it moves.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from nishabdham.errors import DependencyError

if TYPE_CHECKING:
    from celery import Celery

    from nishabdham.settings import Settings
log = logging.getLogger(__name__)

TASK_NAME = "nishabdham.transcribe_job"
#: How much longer than the soft time limit a job may run before its process is killed.
HARD_LIMIT_MARGIN_S = 60


def make_app(settings: Settings) -> Celery:
    """A Celery app configured from ``settings`` (the settings ride along as ``app.nishabdham_settings``)."""
    try:
        from celery import Celery
    except ImportError as exc:  # pragma: no cover - the queue extra is part of every install we test
        raise DependencyError("the worker queue needs Celery: pip install 'nishabdham[queue]'") from exc

    app = Celery("nishabdham")
    app.conf.update(_config(settings))
    app.nishabdham_settings = settings
    app.steps["worker"].add(_recovery_step())
    return app


def _config(settings: Settings) -> dict[str, Any]:
    transport = {"visibility_timeout": settings.visibility_timeout_s}
    return {
        "broker_url": settings.broker_url,
        "result_backend": settings.broker_url,
        "broker_transport_options": transport,
        "result_backend_transport_options": transport,
        "result_backend_always_retry": True,  # a Redis restart does not lose a finished task's result
        "result_backend_max_retries": 20,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_default_queue": settings.queue_name,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_track_started": True,
        "task_soft_time_limit": settings.job_timeout_s,
        "task_time_limit": settings.job_timeout_s + HARD_LIMIT_MARGIN_S,
        "worker_prefetch_multiplier": 1,
        "worker_send_task_events": True,  # Flower and `celery events` see every task (`-E`)
        "task_send_sent_event": True,
        "worker_proc_alive_timeout": 300,  # a large model can take minutes to load
        "result_expires": 7 * 24 * 3600,
        "include": ["nishabdham.workers.tasks"],
    }


def _recovery_step():
    """A worker boot step: requeue lost jobs at start and every half lease (in the main loop, no thread)."""
    from celery import bootsteps

    class LostJobRecovery(bootsteps.StartStopStep):
        requires = {"celery.worker.components:Timer"}

        def __init__(self, worker, **kwargs) -> None:
            super().__init__(worker, **kwargs)
            self.tref = None

        def start(self, worker) -> None:
            settings = worker.app.nishabdham_settings
            self.recover(worker.app)
            interval = max(1.0, settings.job_lease_s / 2)
            self.tref = worker.timer.call_repeatedly(interval, self.recover, (worker.app,), priority=10)

        def stop(self, worker) -> None:
            if self.tref is not None:
                self.tref.cancel()

        def recover(self, app) -> None:
            from kombu.exceptions import OperationalError

            from nishabdham.errors import NishabdhamError

            try:
                recover_lost(app.nishabdham_settings, app)
            except (NishabdhamError, OperationalError, OSError) as exc:  # store or broker away: try next time
                log.warning("could not look for lost jobs: %s", exc)

    return LostJobRecovery


def send_job(app: Celery, job_id: str, queue_name: str) -> None:
    """Send one job to the workers: its id is the only argument, and the Celery task id too."""
    app.send_task(TASK_NAME, args=[job_id], task_id=job_id, queue=queue_name)


def recover_lost(settings: Settings, app: Celery) -> list[str]:
    """Put running jobs whose worker was lost back on the queue; returns their ids."""
    from nishabdham.workers.store import JobStore

    store = JobStore.from_settings(settings, retry_s=0)  # runs in the worker's main loop: never wait here
    try:
        ids = store.requeue_lost(settings.job_lease_s * 1000)
        if ids:
            log.warning("sending %d job(s) again whose worker was lost: %s", len(ids), ", ".join(ids))
            for job_id in ids:
                send_job(app, job_id, settings.queue_name)
        return ids
    finally:
        store.close()


def __getattr__(name: str) -> Any:
    """``nishabdham.workers.celery_app.app``: built on first use from the environment (for ``celery -A``)."""
    if name in ("app", "celery"):
        global app
        from nishabdham.settings import load_settings

        app = make_app(load_settings())
        return app
    raise AttributeError(name)
