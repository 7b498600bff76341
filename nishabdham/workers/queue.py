"""Talking to the broker: is it there, send jobs to the workers, how full is the queue.

Only job ids travel through Redis (as the Celery task id too, so
``AsyncResult(job_id).info`` shows a running job's stage and progress); what a
job is and where it stands lives in the job store (:mod:`nishabdham.workers.store`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nishabdham.errors import QueueError

if TYPE_CHECKING:
    from celery import Celery

    from nishabdham.settings import Settings
log = logging.getLogger(__name__)


BROKER_HINT = (
    "start one with `redis-server` (or `docker compose -f docker/compose.yaml up -d redis`), "
    "or point NISHABDHAM_BROKER_URL at yours"
)


def shown_url(url: str) -> str:
    from kombu.utils.url import maybe_sanitize_url

    return maybe_sanitize_url(url)


def check_broker(settings: Settings, timeout_s: float = 3.0) -> None:
    """Raise QueueError, saying how to start one, unless the broker answers within ``timeout_s``."""
    from kombu import Connection
    from kombu.exceptions import OperationalError

    with Connection(settings.broker_url, connect_timeout=timeout_s) as connection:
        try:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout_s)
        except (OperationalError, OSError) as exc:
            raise QueueError(f"no Redis answers at {shown_url(settings.broker_url)} ({exc}); {BROKER_HINT}") from exc


def enqueue(job_ids: Iterable[str], settings: Settings, app: Celery | None = None) -> int:
    """Send each job to the workers (job id in, nothing else); returns how many were sent."""
    from kombu.exceptions import OperationalError

    from nishabdham.workers.celery_app import make_app, send_job

    app = app or make_app(settings)
    sent = 0
    try:
        for job_id in job_ids:
            send_job(app, job_id, settings.queue_name)
            sent += 1
    except (OperationalError, OSError) as exc:
        raise QueueError(
            f"sent {sent} job(s), then lost Redis at {shown_url(settings.broker_url)} ({exc}); "
            f"the rest stay queued in the job store: {BROKER_HINT}, then run `nishabdham batch --resume`"
        ) from exc
    return sent


# --------------------------------------------------------------------------- health


@dataclass(frozen=True, slots=True)
class BrokerHealth:
    """What Redis says about the queue (``nishabdham jobs`` shows it)."""

    url: str
    ok: bool
    waiting: int = 0
    """Messages in the queue that no worker has taken yet."""
    unacked: int = 0
    """Messages a worker took and has not acknowledged yet (running, or held by a worker that died)."""
    workers: tuple[str, ...] = ()
    """Workers that answered a ping (empty when none did, or when not asked)."""
    error: str = ""


def broker_health(settings: Settings, *, ping_workers: bool = True, timeout_s: float = 1.0) -> BrokerHealth:
    """Ask Redis how many messages wait and are held, and (optionally) which workers answer; never raises."""
    from kombu import Connection

    url = shown_url(settings.broker_url)
    try:
        with Connection(settings.broker_url, connect_timeout=timeout_s) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout_s)
            channel = connection.default_channel
            client = channel.client
            waiting = sum(int(client.llen(name)) for name in _priority_queues(channel, settings.queue_name))
            unacked = int(client.hlen(channel.unacked_key))
    except Exception as exc:  # noqa: BLE001 - any failure is "not healthy", with its reason
        return BrokerHealth(url, False, error=f"{type(exc).__name__}: {exc}")
    workers: tuple[str, ...] = ()
    if ping_workers:
        from nishabdham.workers.celery_app import make_app

        try:
            replies = make_app(settings).control.ping(timeout=timeout_s) or []
            workers = tuple(sorted(name for reply in replies for name in reply))
        except Exception as exc:  # noqa: BLE001
            log.debug("no worker ping: %s", exc)
    return BrokerHealth(url, True, waiting, unacked, workers)


def _priority_queues(channel, name: str) -> list[str]:
    """The Redis lists that hold one Celery queue (kombu keeps one per priority step)."""
    try:
        return list(dict.fromkeys(channel._q_for_pri(name, pri) for pri in channel.priority_steps))
    except AttributeError:  # another kombu: the plain list only
        return [name]


def send_adapt(manifest: str, name: str, options: dict, settings: Settings, app: Celery | None = None) -> str:
    """Send an adaptation (``nishabdham.adapt_model``) to the workers; returns its task id."""
    from kombu.exceptions import OperationalError

    from nishabdham.workers.celery_app import make_app
    from nishabdham.workers.tasks import ADAPT_TASK_NAME

    app = app or make_app(settings)
    try:
        result = app.send_task(ADAPT_TASK_NAME, args=[manifest, name, options], queue=settings.queue_name)
    except (OperationalError, OSError) as exc:
        raise QueueError(f"cannot reach Redis at {shown_url(settings.broker_url)} ({exc}): {BROKER_HINT}") from exc
    return result.id
