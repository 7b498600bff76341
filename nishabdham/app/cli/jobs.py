"""``nishabdham jobs [JOB_ID]``: the jobs in the job store, newest first, or one job in detail.

Each line: job id, state, stage, progress, attempts, audio length, time taken,
QA score, the recording, and the error of a failed job. ``--json`` gives the
same as JSON lines for scripts.
"""

from __future__ import annotations

import argparse
import json

from nishabdham.app.cli.common import settings_from
from nishabdham.errors import InputError


def register(subparsers) -> None:
    parser = subparsers.add_parser("jobs", help="list jobs with state, stage, progress and error", description=__doc__)
    parser.add_argument("job_id", nargs="?", metavar="JOB_ID", help="show one job with its attempts and outputs")
    parser.add_argument(
        "--state",
        action="append",
        choices=["queued", "running", "done", "failed"],
        help="only jobs in this state (repeatable)",
    )
    parser.add_argument("--limit", type=int, default=200, metavar="N", help="at most N jobs (default 200)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nishabdham.workers.store import JobStore

    store = JobStore.from_settings(settings_from(args))
    if args.job_id:
        return _show(store, args.job_id, args.json)
    jobs = store.list_jobs(states=args.state, limit=args.limit)
    if args.json:
        for job in jobs:
            print(json.dumps(_jsonable(job), ensure_ascii=False))
        return 0
    print(
        f"{'JOB':25} {'STATE':8} {'STAGE':10} {'DONE':>5} {'TRIES':>5} {'AUDIO':>7} {'TOOK':>7} {'QA':>4}  RECORDING / ERROR"
    )
    for job in jobs:
        print(_line(job))
    return 0


def _line(job) -> str:
    qa = job.qa.get("score", "") if job.qa else ""
    line = (
        f"{job.id:25} {job.state:8} {job.stage:10} {job.progress:>5.0%} {job.attempts:>5} "
        f"{_seconds(job.audio_ms):>7} {_seconds(job.elapsed_ms):>7} {qa!s:>4}  {job.source}"
    )
    return f"{line}\n{'':25} error: {job.error}" if job.state == "failed" else line


def _show(store, job_id: str, as_json: bool) -> int:
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


def _jsonable(job) -> dict:
    from nishabdham.types import to_jsonable

    data = to_jsonable(job)
    data.pop("options", None)
    data["elapsed_ms"] = job.elapsed_ms
    return data


def _seconds(ms: int | None) -> str:
    return "" if ms is None else f"{ms / 1000:.1f}s"
