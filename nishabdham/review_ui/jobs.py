"""Jobs as the review UI sees them: uploads submitted to the queue, and each job's review status.

The job store and the queue are issue 4's (:mod:`nishabdham.workers.store`,
:mod:`nishabdham.workers.queue`); this module only adapts them: an upload becomes a job
whose outputs go beside the upload, and every job row gets its review state
(saved versions, approval, measured error rates) from the version store.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nishabdham.errors import QueueError
from nishabdham.review_ui.approval import latest_approval
from nishabdham.review_ui.recording import reviews_dir

if TYPE_CHECKING:
    from nishabdham.settings import Settings
    from nishabdham.workers.store import Job, JobStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Submitted:
    """What became of one uploaded recording."""

    job: Job
    sent: bool
    """True when the job went to the workers now (False: the same recording and settings had a job already)."""
    note: str = ""


def submit_upload(store: JobStore, settings: Settings, path: Path) -> Submitted:
    """Make the job for an uploaded file and send it to the workers; QueueError when Redis is away."""
    from nishabdham.pipeline.known_text.verse import text_options
    from nishabdham.workers.queue import enqueue
    from nishabdham.workers.store import QUEUED, output_options

    options = {**output_options(settings), **text_options(path)}  # a text saved beside the upload (issue 14)
    job, created = store.create(path, path.parent, options, stem=path.stem)
    if not created and job.state != QUEUED:
        return Submitted(job, False, f"this recording was already subtitled with these settings ({job.state})")
    try:
        enqueue([job.id], settings)
    except QueueError as exc:
        raise QueueError(f"{path.name} is saved as job {job.id}, but {exc}") from exc
    return Submitted(job, True)


@dataclass(frozen=True, slots=True)
class ReviewStatus:
    """Where a job stands in review."""

    versions: int = 0
    """Saved review versions (the machine's version 0 not counted)."""
    last_reviewer: str = ""
    approved_version: int | None = None
    cer: float | None = None
    wer: float | None = None

    @property
    def label(self) -> str:
        if self.approved_version is not None and self.approved_version == self.versions:
            return f"approved (v{self.approved_version})"
        if self.versions:
            return f"in review (v{self.versions}, {self.last_reviewer})"
        return "not reviewed"


def review_status(data_dir: str | Path, job_id: str) -> ReviewStatus:
    folder = reviews_dir(data_dir) / job_id
    history = folder / "history.jsonl"
    if not history.is_file():
        return ReviewStatus()
    entries = [json.loads(line) for line in history.read_text(encoding="utf-8").splitlines() if line.strip()]
    saved = [e for e in entries if e.get("number", 0) > 0]
    approval = latest_approval(folder)
    return ReviewStatus(
        versions=max((e["number"] for e in saved), default=0),
        last_reviewer=saved[-1]["reviewer"] if saved else "",
        approved_version=approval.version if approval else None,
        cer=approval.cer if approval else None,
        wer=approval.wer if approval else None,
    )


def qa_label(qa: dict[str, Any]) -> str:
    """The QA summary of a job in a few words (``cue-rules 3, low-confidence 2``)."""
    counts = {k: v for k, v in (qa.get("counts") or {}).items() if v}
    if not counts:
        return "no flags" if qa else ""
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def seconds(ms: int | None) -> str:
    if ms is None:
        return ""
    total = int(round(ms / 1000))
    minutes, secs = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def job_row(job: Job, status: ReviewStatus) -> dict[str, Any]:
    """One line of the jobs page."""
    return {
        "id": job.id,
        "recording": job.stem,
        "state": job.state,
        "stage": job.stage,
        "progress": round(job.progress, 3),
        "audio": seconds(job.audio_ms),
        "took": seconds(job.elapsed_ms),
        "QA": qa_label(job.qa),
        "review": status.label,
        "CER": status.cer,
        "WER": status.wer,
        "error": job.error,
    }
