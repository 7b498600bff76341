"""Approval: the final subtitles for download, the evaluation-set rows, and the measured error rates.

Approving a saved version writes ``<folder>/approved/vNNNN/<name>.srt|.vtt|.json``
(and the separate-language tracks when cues have a second line), appends the
reviewed cues to the evaluation set, and records the approval (with the
machine's CER and WER against the reviewed text) in ``approvals.jsonl``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from nishabdham.errors import OutputError, ReviewError, SubtitleFormatError
from nishabdham.files import atomic_write_text
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.pipeline.cues.subtitles import WriterOptions, render_outputs
from nishabdham.review_ui.editing import ReviewCue
from nishabdham.review_ui.evalsets import append_approval, reviewed_set_dir
from nishabdham.review_ui.quality import error_rates
from nishabdham.review_ui.recording import Recording
from nishabdham.review_ui.versions import ReviewVersion, VersionStore, now_iso
from nishabdham.types import from_jsonable

log = logging.getLogger(__name__)

APPROVALS = "approvals.jsonl"


@dataclass(frozen=True, slots=True)
class Approval:
    """One approval of one version (a line of ``approvals.jsonl``)."""

    job: str
    version: int
    approver: str
    approved_at: str
    folder: str
    files: tuple[str, ...]
    set_version: int
    rows: int
    cer: float
    wer: float
    cues_total: int
    cues_edited: int


def export_files(recording: Recording, cues: tuple[ReviewCue, ...], rules: CueRules) -> dict[str, str]:
    """File name -> text of the final subtitles (blank cues left out); ReviewError when times clash.

    Each cue keeps the machine's ``origin`` and ``confidence``; ``edited`` lists what reviewers
    changed of the machine cue it started as (the JSON says where each line came from).
    """
    machine = recording.machine_text
    shown = tuple(c.as_cue(c.edits(machine.original(c.id))) for c in cues if not c.blank)
    transcript = replace(recording.transcript, cues=shown)
    try:
        return render_outputs(transcript, recording.name, rules, WriterOptions(formats=("srt", "vtt", "json")))
    except SubtitleFormatError as exc:
        raise ReviewError(f"cannot approve: {exc.reason}; fix the times, save, then approve") from exc


def approvals(recording_folder: str | Path) -> list[Approval]:
    path = Path(recording_folder) / APPROVALS
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [from_jsonable(Approval, json.loads(line)) for line in lines if line.strip()]


def latest_approval(recording_folder: str | Path) -> Approval | None:
    found = approvals(recording_folder)
    return found[-1] if found else None


def approve(
    recording: Recording,
    store: VersionStore,
    version: ReviewVersion,
    approver: str,
    rules: CueRules,
    data_dir: str | Path,
) -> Approval:
    """Approve a saved version: export, feed the evaluation set, record the error rates."""
    latest = store.latest_number(recording.job)
    if version.number != latest:
        raise ReviewError(
            f"version {latest} is newer than version {version.number}; open the latest version and approve that"
        )
    if version.number == 0:
        raise ReviewError("nothing has been reviewed yet: save your review before approving")
    if any(a.version == version.number for a in approvals(recording.folder)):
        raise ReviewError(f"version {version.number} is already approved")
    files = export_files(recording, version.cues, rules)
    out = recording.folder / "approved" / f"v{version.number:04d}"
    for name, text in files.items():
        atomic_write_text(out / name, text)
    set_version, rows = append_approval(
        reviewed_set_dir(data_dir),
        version.cues,
        recording.machine_text,
        recording.review_wav,
        job=recording.job,
        approver=approver,
        review_version=version.number,
    )
    rates = error_rates(version.cues, recording.machine)
    approval = Approval(
        recording.job,
        version.number,
        approver,
        now_iso(),
        str(out),
        tuple(files),
        set_version,
        len(rows),
        rates.cer,
        rates.wer,
        rates.cues_total,
        rates.cues_edited,
    )
    try:
        with open(recording.folder / APPROVALS, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(approval), ensure_ascii=False) + "\n")
    except OSError as exc:
        raise OutputError(f"cannot record the approval ({exc.strerror or exc})", path=recording.folder) from exc
    log.info(
        "job %s: %s approved version %d (CER %.3f, WER %.3f)",
        recording.job,
        approver,
        version.number,
        rates.cer,
        rates.wer,
    )
    return approval
