"""``nishabdham batch FOLDER --out DIR [--wait] [--resume]``: subtitle a whole folder through the workers.

Every audio and video file under FOLDER (recursively) becomes a job in the job
store and is sent to the queue; start workers with ``nishabdham worker``. A
file whose job exists (same audio, same settings) is not done again. With
``--wait`` it shows progress until every job is finished, then writes
``DIR/qa-summary.json`` (the QA reports summed, worst file first) and prints
what was done, what failed and why, and what was skipped as already done.
``--resume`` sends again the unfinished jobs (after Redis lost its queue);
without FOLDER it does so for every unfinished job in the store.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nishabdham.app.cli.common import (
    add_library_argument,
    add_model_arguments,
    check_library,
    fail,
    model_settings,
    warn,
)
from nishabdham.app.cli.speakers import add_speaker_arguments, check_available, speaker_overrides
from nishabdham.errors import InputError


def register(subparsers) -> None:
    parser = subparsers.add_parser("batch", help="subtitle a folder through the worker queue", description=__doc__)
    parser.add_argument("folder", nargs="?", metavar="FOLDER", help="folder of recordings (searched recursively)")
    parser.add_argument("--out", metavar="DIR", help="where the subtitles go (the folder's tree is mirrored)")
    parser.add_argument("--wait", action="store_true", help="show progress until every job is finished, then sum up")
    parser.add_argument(
        "--resume", action="store_true", help="also send again every unfinished job (after Redis lost its queue)"
    )
    parser.add_argument(
        "--retry-failed", dest="retry_failed", action="store_true", help="give failed jobs a fresh set of attempts"
    )
    add_model_arguments(parser)
    add_speaker_arguments(parser)  # a job option: speaker labels in every job of the batch
    add_library_argument(parser)  # a job option: the poem library every job of the batch is matched against
    parser.add_argument("--formats", help="comma-separated output formats (default srt,vtt,json)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars (one line per finished file)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nishabdham.app.cli.transcribe import check_writable
    from nishabdham.workers import batch as batches
    from nishabdham.workers.queue import check_broker, enqueue
    from nishabdham.workers.store import JobStore

    folder, out = _paths(args)
    settings = model_settings(args, **speaker_overrides(args))
    check_available(settings)
    check_library(settings)
    check_broker(settings)
    if out is not None:
        check_writable(out)
    store = JobStore.from_settings(settings)
    batch = batches.submit(store, settings, folder, out, resume=args.resume, retry_failed=args.retry_failed)
    enqueue(batch.queued, settings)
    _report_submission(batch, store)
    if not args.wait:
        return 1 if batch.unreadable else 0
    jobs = _wait(store, batch, bars=not args.no_progress and sys.stderr.isatty())
    batches.deliver(batch.items, jobs)
    if out is not None:
        print(f"QA summary (worst first): {batches.write_qa_summary(out, batch.items, jobs)}")
    return _report_outcome(batch, jobs)


def _paths(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    if args.folder is None:
        if not args.resume:
            raise InputError("give a FOLDER of recordings (or --resume alone to send every unfinished job again)")
        return None, None
    if not args.out:
        raise InputError("--out DIR is needed: where the subtitles go")
    return Path(args.folder), Path(args.out)


def _report_submission(batch, store) -> None:
    counts: dict[str, int] = {}
    for job_id, state in batch.before.items():
        key = "new" if job_id in batch.queued else state
        counts[key] = counts.get(key, 0) + 1
    parts = [f"{len(batch.items)} recording(s)", f"{len(batch.queued)} sent to the workers"]
    parts += [f"{n} already {state}" for state, n in sorted(counts.items()) if state not in ("new", "failed")]
    if counts.get("failed"):
        parts.append(f"{counts['failed']} failed earlier (--retry-failed to try again)")
    print(", ".join(parts), flush=True)
    if not batch.items and not batch.unreadable:
        warn(
            "no audio or video files found" + (f" (ignored {len(batch.ignored)} other files)" if batch.ignored else "")
        )
    for path, reason in batch.unreadable:
        fail(f"{path}: {reason}")
    if batch.ignored:
        warn(f"ignored {len(batch.ignored)} file(s) that are not audio or video, e.g. {batch.ignored[0]}")


def _wait(store, batch, bars: bool):
    from nishabdham.app.cli.transcribe import progress_bars
    from nishabdham.workers import batch as batches

    by_job: dict[str, str] = {}
    for item in batch.items:
        by_job.setdefault(item.job_id, str(item.source))
    reported: set[str] = set()

    def stalled() -> None:
        warn("no job has moved for a minute: is a worker running? start one with `nishabdham worker`")

    with progress_bars(enabled=bars) as new_bar:
        overall = new_bar(f"all {len(by_job)} job(s)")
        updaters = {job_id: new_bar(Path(name).name) for job_id, name in by_job.items()} if bars else {}

        def update(jobs) -> None:
            for job in jobs:
                label = job.state if job.finished else job.stage or job.state
                if job.id in updaters:
                    updaters[job.id](label, job.progress)
                if not bars and job.finished and job.id not in reported:
                    reported.add(job.id)
                    done_before = batch.before.get(job.id) == "done" and job.id not in batch.queued
                    print(f"{'skipped (already done)' if done_before else label}: {by_job[job.id]}", flush=True)
            overall("", sum(1.0 if j.finished else j.progress for j in jobs) / max(1, len(jobs)))

        jobs = batches.wait(store, list(by_job), update, on_stalled=stalled)
    return {job.id: job for job in jobs}


def _report_outcome(batch, jobs) -> int:
    from nishabdham.workers.batch import outcome_of

    outcomes: dict[str, list] = {"done": [], "skipped": [], "failed": []}
    for item in batch.items:
        job = jobs.get(item.job_id)
        outcomes.setdefault(outcome_of(item, batch, job), []).append((item, job))
    for item, job in outcomes["failed"]:
        fail(job.error if str(item.source) in job.error else f"{item.source}: {job.error}")
    print(
        f"done: {len(outcomes['done'])}, failed: {len(outcomes['failed'])}, "
        f"skipped (already done): {len(outcomes['skipped'])}",
        flush=True,
    )
    return 1 if outcomes["failed"] or batch.unreadable else 0
