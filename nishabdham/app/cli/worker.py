"""``nishabdham worker``: run a Celery worker that subtitles queued jobs.

A thin wrapper over ``celery -A nishabdham.workers.celery_app worker`` (which works just
as well): it checks that Redis answers, then starts the worker on the
Nishabdham queue. Each worker process loads the model once, when it starts, and decodes
``cores / concurrency`` windows side by side (``NISHABDHAM_DECODE_WORKERS``).
Every worker sends Celery's task events, so Flower
(``celery -A nishabdham.workers.celery_app flower``) and ``celery events`` show the queue.
Arguments after ``--`` go to Celery unchanged, e.g.
``nishabdham worker -- --max-memory-per-child=4000000``.
"""

from __future__ import annotations

import argparse
import os


def register(subparsers) -> None:
    parser = subparsers.add_parser("worker", help="run a worker that subtitles queued jobs", description=__doc__)
    parser.add_argument(
        "-c",
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="worker processes, each with its own model (default 1)",
    )
    parser.add_argument(
        "-n", "--name", metavar="NAME", help="node name (default nishabdham-<pid>@<host>; <host>~<n> in a container)"
    )
    parser.add_argument("--loglevel", help="log level (default: the log_level setting)")
    parser.add_argument(
        "celery_args", nargs=argparse.REMAINDER, metavar="-- CELERY_ARGS", help="passed to celery worker"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nishabdham.app.cli.common import settings_from
    from nishabdham.workers.jobs import host_id
    from nishabdham.workers.queue import check_broker

    settings = settings_from(args)
    check_broker(settings)
    if args.config:  # the worker's processes build their settings from the environment
        os.environ["NISHABDHAM_CONFIG"] = str(args.config)
    if not settings.decode_workers:  # the processes share the cores instead of each taking them all
        from nishabdham.pipeline.decode.model import cpu_cores

        os.environ["NISHABDHAM_DECODE_WORKERS"] = str(max(1, cpu_cores() // max(1, args.concurrency)))
    from nishabdham.workers.celery_app import app

    extra = [a for a in args.celery_args if a != "--"]
    argv = [
        "worker",
        f"--loglevel={args.loglevel or settings.log_level}",
        f"--concurrency={args.concurrency}",
        f"--queues={settings.queue_name}",
        f"--hostname={args.name or f'nishabdham-{os.getpid()}@{host_id()}'}",
        "--without-mingle",
        "--without-gossip",
        *extra,
    ]
    app.worker_main(argv)
    return 0
