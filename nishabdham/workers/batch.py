"""A folder as a batch: find the recordings, make (or find) their jobs, queue, wait, sum up.

Every audio or video file under the folder (recursively, by extension) gets
subtitles at the same relative place under the output folder:
``FOLDER/day1/poem.mp3`` -> ``OUT/day1/poem.srt``, ``.vtt``, ``.json`` and the
QA report ``poem.qa.json``. Two recordings that differ only by extension keep
it in their stem (``poem.mp3.srt``, ``poem.wav.srt``).

A file whose job (same audio, same settings) exists is not queued again: done
is done, queued or running is someone else's work in progress. When that job
wrote its files elsewhere (another output folder, a copy of the same
recording) they are copied here once it is done. ``resume`` also sends again
every unfinished job of the folder (after Redis lost its queue).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nishabdham.errors import InputError, OutputError
from nishabdham.pipeline.known_text.verse import text_options
from nishabdham.workers.store import DONE, FAILED, Job, JobStore, output_options

if TYPE_CHECKING:
    from nishabdham.settings import Settings
log = logging.getLogger(__name__)

#: Extensions of files that ffmpeg can take an audio track from.
MEDIA_EXTENSIONS = frozenset(
    ".wav .flac .mp3 .m4a .aac .ogg .oga .opus .wma .aif .aiff .amr .ac3 .mka .caf .alac .ape .wv "
    ".mp4 .m4v .mov .mkv .webm .avi .wmv .flv .mpg .mpeg .ts .3gp".split()
)
QA_SUMMARY_NAME = "qa-summary.json"


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One recording of the batch, where its outputs go, and its job."""

    source: Path
    out_dir: Path
    stem: str
    job_id: str = ""
    created: bool = False
    """True when this batch created the job (False: it existed already)."""


@dataclass(frozen=True, slots=True)
class Batch:
    """What ``nishabdham batch`` found and queued."""

    items: tuple[BatchItem, ...]
    queued: tuple[str, ...] = ()
    """Job ids this batch sent to the workers."""
    ignored: tuple[Path, ...] = ()
    """Files that are not audio or video (by extension)."""
    unreadable: tuple[tuple[Path, str], ...] = ()
    """Files that could not be read to hash them, with why."""
    before: dict[str, str] = field(default_factory=dict)
    """Job id -> state before this batch touched it."""


# --------------------------------------------------------------------------- finding files


def discover(folder: Path, exclude: Path | None = None) -> tuple[list[Path], list[Path]]:
    """Media files under ``folder`` (recursively, sorted; not under ``exclude``) and the other files."""
    if not folder.is_dir():
        raise InputError("not a folder", path=folder)
    skip = exclude.resolve() if exclude is not None else None
    media, ignored = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if skip is not None and path.resolve().is_relative_to(skip):
            continue  # our own outputs, when --out is inside FOLDER
        (media if path.suffix.lower() in MEDIA_EXTENSIONS else ignored).append(path)
    return media, ignored


def plan(folder: Path, out: Path, files: Iterable[Path]) -> list[BatchItem]:
    """Where each file's outputs go: the same relative folder under ``out``, a unique stem."""
    by_place: dict[tuple[Path, str], list[Path]] = defaultdict(list)
    for path in files:
        by_place[(path.parent, path.stem)].append(path)
    items = []
    for (parent, stem), paths in by_place.items():
        out_dir = out / parent.relative_to(folder)
        for path in paths:
            items.append(BatchItem(path, out_dir, stem if len(paths) == 1 else path.name))
    return sorted(items, key=lambda i: i.source)


# --------------------------------------------------------------------------- submitting


def submit(
    store: JobStore,
    settings: Settings,
    folder: Path | None,
    out: Path | None,
    *,
    resume: bool = False,
    retry_failed: bool = False,
) -> Batch:
    """Create or find the jobs of ``folder`` and decide which to send (nothing is sent here)."""
    if folder is None:  # --resume alone: every unfinished job in the store
        lease_ms = settings.job_lease_s * 1000
        ids = store.unfinished(lease_ms) + (store.retry_failed() if retry_failed else [])
        jobs = store.list_jobs(ids=ids)
        items = tuple(BatchItem(Path(j.source), Path(j.out_dir), j.stem, j.id) for j in jobs)
        return Batch(items, tuple(ids), before={j.id: "queued" for j in jobs})
    media, ignored = discover(folder, exclude=out)
    options = output_options(settings)
    items, unreadable, before = [], [], {}
    for item in plan(folder, out, media):
        try:
            job_options = {**options, **text_options(item.source)}  # poem.txt beside poem.mp3 (issue 14)
            job, created = store.create(item.source, item.out_dir, job_options, stem=item.stem)
        except InputError as exc:
            unreadable.append((item.source, exc.reason))
            continue
        before.setdefault(job.id, "new" if created else job.state)
        items.append(BatchItem(item.source, item.out_dir, item.stem, job.id, created))
    queued = _to_send(store, settings, items, before, resume=resume, retry_failed=retry_failed)
    return Batch(tuple(items), tuple(queued), tuple(ignored), tuple(unreadable), before)


def _to_send(
    store: JobStore,
    settings: Settings,
    items: list[BatchItem],
    before: dict[str, str],
    *,
    resume: bool,
    retry_failed: bool,
) -> list[str]:
    ids = list(dict.fromkeys(i.job_id for i in items))
    send = [i.job_id for i in items if i.created]
    if resume:
        send += store.unfinished(settings.job_lease_s * 1000, ids)
    if retry_failed:
        send += store.retry_failed(ids)
    send += store.reopen_missing(ids)  # done, but its files were deleted: make them again
    return list(dict.fromkeys(send))


# --------------------------------------------------------------------------- waiting


def wait(
    store: JobStore,
    job_ids: list[str],
    on_update: Callable[[list[Job]], None],
    poll_s: float = 0.5,
    stalled_s: float = 60.0,
    on_stalled: Callable[[], None] | None = None,
) -> list[Job]:
    """Poll the store until every job is done or failed; ``on_update`` gets the jobs each time."""
    last_change, last_seen = time.monotonic(), None
    while True:
        jobs = store.list_jobs(ids=job_ids)
        on_update(jobs)
        if all(j.finished for j in jobs):
            return jobs
        seen = [(j.id, j.state, j.stage, j.progress) for j in jobs]
        if seen != last_seen:
            last_change, last_seen = time.monotonic(), seen
        elif on_stalled is not None and time.monotonic() - last_change > stalled_s:
            on_stalled()
            last_change = time.monotonic()
        time.sleep(poll_s)


# --------------------------------------------------------------------------- finishing


def deliver(items: Iterable[BatchItem], jobs: dict[str, Job]) -> list[Path]:
    """Copy a done job's files to each item that wanted them elsewhere; returns the files written."""
    from nishabdham.files import atomic_write_text

    written = []
    for item in items:
        job = jobs.get(item.job_id)
        if job is None or job.state != DONE or (Path(job.out_dir), job.stem) == (item.out_dir, item.stem):
            continue
        outputs = sorted(job.outputs, key=lambda p: p.endswith(f"{job.stem}.json"))  # the transcript last
        for source in map(Path, outputs):
            target = item.out_dir / (item.stem + source.name[len(job.stem) :])
            try:
                text = source.read_text(encoding="utf-8")
            except OSError as exc:
                raise OutputError(
                    f"cannot copy the outputs of job {job.id} ({exc.strerror or exc})", path=source
                ) from exc
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                atomic_write_text(target, text)
                written.append(target)
    return written


def qa_rows(items: Iterable[BatchItem], jobs: dict[str, Job]) -> list[tuple[str, dict[str, Any]]]:
    """(subtitle path, QA summary) of each done item, for :func:`nishabdham.pipeline.cues.qa.batch_summary`."""
    rows = []
    for item in items:
        job = jobs.get(item.job_id)
        if job is not None and job.state == DONE:
            subtitles = item.out_dir / f"{item.stem}.srt"
            rows.append((str(subtitles), {"source": str(item.source), "job": job.id, **job.qa}))
    return rows


def write_qa_summary(out: Path, items: Iterable[BatchItem], jobs: dict[str, Job]) -> Path:
    """``OUT/qa-summary.json``: the QA reports of the batch summed, worst file first."""
    from nishabdham.files import atomic_write_text
    from nishabdham.pipeline.cues.qa import batch_summary
    from nishabdham.types import dumps

    items = list(items)
    report = batch_summary(qa_rows(items, jobs))
    report["failed"] = [
        {"source": str(i.source), "job": i.job_id, "error": jobs[i.job_id].error}
        for i in items
        if i.job_id in jobs and jobs[i.job_id].state == FAILED
    ]
    path = out / QA_SUMMARY_NAME
    atomic_write_text(path, dumps(report))
    return path


def outcome_of(item: BatchItem, batch: Batch, job: Job | None) -> str:
    """``done``, ``failed``, ``skipped`` (done before this batch) or the job's state."""
    if job is None:
        return "missing"
    if job.state == DONE and batch.before.get(item.job_id) == DONE and item.job_id not in batch.queued:
        return "skipped"
    return job.state
