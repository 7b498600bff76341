"""``nishabdham jobs [JOB_ID] [--watch]``: the jobs in the job store, newest first, or one job in detail.

First the health of the queue: the job store (reachable, jobs in each state)
and the broker (reachable, messages waiting, messages held by workers, workers
answering a ping). Then one line per job: job id, state, stage, progress,
attempts, audio length, time taken, QA score, the recording, and the error of a
failed job. ``--json`` gives the jobs as JSON lines for scripts (no health).
``--watch`` keeps a live table in the terminal, refreshed every ``--interval``
seconds, until Ctrl-C; it goes on showing the last table, marked, while the
store or Redis is away.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING

from nishabdham.app.cli.common import settings_from
from nishabdham.errors import InputError, QueueError

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from nishabdham.settings import Settings
    from nishabdham.workers.jobs import Job
    from nishabdham.workers.queue import BrokerHealth
    from nishabdham.workers.store import JobStore

#: How often ``--watch`` asks Redis and the workers how they are (a ping waits up to a second).
HEALTH_EVERY_S = 5.0
STATE_STYLES = {"queued": "cyan", "running": "yellow", "done": "green", "failed": "bold red"}


def register(subparsers) -> None:
    parser = subparsers.add_parser("jobs", help="list jobs with state, stage, progress and error", description=__doc__)
    parser.add_argument("job_id", nargs="?", metavar="JOB_ID", help="show one job with its attempts and outputs")
    parser.add_argument(
        "--state",
        action="append",
        choices=["queued", "running", "done", "failed"],
        help="only jobs in this state (repeatable)",
    )
    parser.add_argument(
        "--limit", type=int, default=None, metavar="N", help="at most N jobs (default 200; 30 with --watch)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--watch", action="store_true", help="a live table in the terminal until Ctrl-C")
    parser.add_argument(
        "--interval", type=float, default=2.0, metavar="S", help="seconds between refreshes of --watch (default 2)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nishabdham.workers.store import JobStore

    settings = settings_from(args)
    store = JobStore.from_settings(settings, retry_s=0)  # say at once when the store is away
    try:
        if args.job_id:
            return _show(store, args.job_id, args.json)
        if args.watch:
            limit = args.limit or 30
            return watch(store, settings, states=args.state, limit=limit, interval_s=max(0.1, args.interval))
        jobs = store.list_jobs(states=args.state, limit=args.limit or 200)
        if args.json:
            for job in jobs:
                print(json.dumps(_jsonable(job), ensure_ascii=False))
            return 0
        from nishabdham.workers.queue import broker_health

        for line in health_lines(store, store.counts(), broker_health(settings)):
            print(line)
        print(
            f"{'JOB':25} {'STATE':8} {'STAGE':10} {'DONE':>5} {'TRIES':>5} {'AUDIO':>7} {'TOOK':>7} {'QA':>4}  RECORDING / ERROR"
        )
        for job in jobs:
            print(_line(job))
        return 0
    finally:
        store.close()


# --------------------------------------------------------------------------- health


def health_lines(
    store: JobStore, counts: dict[str, int] | None, broker: BrokerHealth, store_error: str = ""
) -> list[str]:
    """``store: ...`` and ``broker: ...``: reachable or not, and what each holds."""
    if counts is not None:
        states = ", ".join(f"{n} {state}" for state, n in counts.items())
        store_line = f"store:  {store.shown_url} ok: {states}"
    else:
        store_line = f"store:  {store.shown_url} UNREACHABLE: {store_error}"
    if broker.ok:
        workers = f"{len(broker.workers)} worker(s) answering" + (
            f" ({', '.join(broker.workers)})" if broker.workers else ""
        )
        broker_line = f"broker: {broker.url} ok: {broker.waiting} waiting, {broker.unacked} held by workers; {workers}"
    else:
        broker_line = f"broker: {broker.url} UNREACHABLE: {broker.error}"
    return [store_line, broker_line]


# --------------------------------------------------------------------------- --watch


def render(
    store: JobStore,
    broker: BrokerHealth,
    *,
    states: list[str] | None = None,
    limit: int = 30,
    now: float | None = None,
) -> RenderableType:
    """The live view: health above, a table of the newest jobs below (read from the store now)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    try:
        counts = store.counts()
        jobs = store.list_jobs(states=states, limit=limit)
        error = ""
    except QueueError as exc:
        counts, jobs, error = None, [], str(exc)
    stamp = time.strftime("%H:%M:%S", time.localtime(now if now is not None else time.time()))
    table = Table(title=f"nishabdham jobs at {stamp} (Ctrl-C to stop)", title_justify="left", expand=False)
    for name, justify in [("job", "left"), ("state", "left"), ("stage", "left"), ("done", "right"),
                          ("tries", "right"), ("audio", "right"), ("took", "right"), ("QA", "right"),
                          ("recording / error", "left")]:  # fmt: skip
        table.add_column(name, justify=justify, no_wrap=name != "recording / error")
    for job in jobs:
        qa = job.qa.get("score", "") if job.qa else ""
        detail = f"{job.source}\n{job.error}" if job.state == "failed" and job.error else job.source
        table.add_row(
            job.id, Text(job.state, style=STATE_STYLES.get(job.state, "")), job.stage, f"{job.progress:.0%}",
            str(job.attempts), _seconds(job.audio_ms), _seconds(job.elapsed_ms), str(qa), detail,
        )  # fmt: skip
    lines = health_lines(store, counts, broker, error)
    header = [Text(line, style="bold red" if "UNREACHABLE" in line else "") for line in lines]
    return Group(*header, table)


def watch(
    store: JobStore,
    settings: Settings,
    *,
    states: list[str] | None = None,
    limit: int = 30,
    interval_s: float = 2.0,
    console: Console | None = None,
    refreshes: int | None = None,
) -> int:
    """Keep :func:`render` on the terminal until Ctrl-C (or ``refreshes`` times); 0 on a clean stop."""
    from rich.live import Live

    from nishabdham.workers.queue import broker_health

    def health() -> BrokerHealth:
        return broker_health(settings)

    broker, asked = health(), time.monotonic()
    count = 0
    try:
        with Live(render(store, broker, states=states, limit=limit), console=console, auto_refresh=False) as live:
            while refreshes is None or count < refreshes:
                time.sleep(interval_s)
                if time.monotonic() - asked >= HEALTH_EVERY_S:
                    broker, asked = health(), time.monotonic()
                live.update(render(store, broker, states=states, limit=limit), refresh=True)
                count += 1
    except KeyboardInterrupt:
        pass
    return 0


# --------------------------------------------------------------------------- plain lines


def _line(job: Job) -> str:
    qa = job.qa.get("score", "") if job.qa else ""
    line = (
        f"{job.id:25} {job.state:8} {job.stage:10} {job.progress:>5.0%} {job.attempts:>5} "
        f"{_seconds(job.audio_ms):>7} {_seconds(job.elapsed_ms):>7} {qa!s:>4}  {job.source}"
    )
    return f"{line}\n{'':25} error: {job.error}" if job.state == "failed" else line


def _show(store: JobStore, job_id: str, as_json: bool) -> int:
    job = store.get(job_id)
    if job is None:
        raise InputError(f"no job {job_id} in the job store at {store.shown_url}")
    attempts = store.attempts(job_id)
    if as_json:
        from nishabdham.types import to_jsonable

        print(json.dumps({**_jsonable(job), "attempts": to_jsonable(attempts)}, ensure_ascii=False))
        return 0
    print(_line(job))
    for path in job.outputs:
        print(f"  output: {path}")
    for attempt in attempts:
        error = f": {attempt.error}" if attempt.error else ""
        print(f"  attempt {attempt.number} on {attempt.worker}: {attempt.outcome}{error}")
    if job.qa.get("worst"):
        print(f"  QA: score {job.qa['score']}, worst: {job.qa['worst']}")
    return 0


def _jsonable(job: Job) -> dict:
    from nishabdham.types import to_jsonable

    data = to_jsonable(job)
    data.pop("options", None)
    data["elapsed_ms"] = job.elapsed_ms
    return data


def _seconds(ms: int | None) -> str:
    return "" if ms is None else f"{ms / 1000:.1f}s"
