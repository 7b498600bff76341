"""Approved cues become an evaluation set: clipped audio plus JSONL rows (NeMo / Hugging Face style).

Layout, under ``<data_dir>/evalsets/reviewed/``::

    manifest.jsonl                         append-only; one row per reviewed cue
    clips/<job>/<set_version>/<cue>.wav    the cue's audio (16 kHz mono), never rewritten

Every approval appends its rows under a new ``set_version`` (an integer one
higher than any before), so an earlier evaluation can always be repeated on
exactly the rows it used; :func:`latest_per_job` picks each recording's newest
approval. ``audio_filepath`` is relative to the manifest. ``text`` is the
reviewed text, ``hypothesis`` what the machine wrote for the same stretch of
audio; a cue the reviewer emptied (a hallucination) has ``text`` ``""``.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError

from nishabdham.errors import OutputError, ReviewError
from nishabdham.evaluation.manifest import ManifestRow, latest_per_job  # noqa: F401  (latest_per_job re-exported)
from nishabdham.pipeline.script import script_counts
from nishabdham.review_ui.editing import ReviewCue
from nishabdham.review_ui.media import write_clip
from nishabdham.review_ui.quality import MachineText

log = logging.getLogger(__name__)

MANIFEST = "manifest.jsonl"


def reviewed_set_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / "evalsets" / "reviewed"


def row_language(text: str) -> str:
    """``te``, ``en`` or ``te-en`` from the scripts of the letters in ``text``."""
    counts = script_counts(text)
    latin, telugu = counts.get("Latin", 0), sum(n for s, n in counts.items() if s != "Latin")
    if latin and telugu:
        return "te-en"
    return "en" if latin else "te"


def _file_part(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]", "_", value)


def clip_path(job: str, set_version: int, cue_id: str) -> str:
    """Where a cue's clip goes, relative to the manifest."""
    return f"clips/{_file_part(job)}/{set_version}/{_file_part(cue_id)}.wav"


def approval_rows(
    cues: Sequence[ReviewCue],
    machine: MachineText,
    *,
    job: str,
    approver: str,
    set_version: int,
    review_version: int,
    durations: Callable[[ReviewCue], float] | None = None,
) -> list[ManifestRow]:
    """One row per reviewed cue that has text on either side (pure: no files)."""
    rows = []
    for cue in cues:
        hypothesis = machine.for_cue(cue)
        if cue.blank and not hypothesis.strip():
            continue
        original = machine.original(cue.id)
        edited = original is None or cue.edited_by != "" or cue.text != hypothesis
        rows.append(
            ManifestRow(
                audio_filepath=clip_path(job, set_version, cue.id),
                duration=round(durations(cue) if durations else cue.duration_ms / 1000, 3),
                text=cue.text.replace("\n", " "),
                lang=row_language(cue.text or hypothesis),
                hypothesis=hypothesis,
                tags=list(cue.tags),
                reviewer=cue.edited_by or approver,
                job=job,
                set_version=set_version,
                review_version=review_version,
                cue=cue.id,
                source_start_ms=cue.start_ms,
                source_end_ms=cue.end_ms,
                second=cue.second.replace("\n", " "),
                edited=edited,
                approved_by=approver,
                speaker=cue.speaker or None,
            )
        )
    return rows


def read_manifest(path: str | Path) -> list[ManifestRow]:
    """Every row of a manifest; a malformed line is an error naming the file and line."""
    path = Path(path)
    if not path.is_file():
        return []
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(ManifestRow.model_validate(json.loads(line)))
        except (ValueError, ValidationError) as exc:
            raise ReviewError(f"line {number} is not a valid manifest row ({exc})", path=path) from exc
    return rows


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def next_set_version(manifest: Path) -> int:
    rows = read_manifest(manifest)
    return 1 + max((int(getattr(r, "set_version", 0) or 0) for r in rows), default=0)


def append_approval(
    set_dir: str | Path,
    cues: Sequence[ReviewCue],
    machine: MachineText,
    review_wav: str | Path,
    *,
    job: str,
    approver: str,
    review_version: int,
) -> tuple[int, list[ManifestRow]]:
    """Clip every reviewed cue and append its rows under a new set version; returns (set_version, rows)."""
    set_dir = Path(set_dir)
    manifest = set_dir / MANIFEST
    with _locked(set_dir):
        set_version = next_set_version(manifest)
        cues = [c for c in cues if not (c.blank and not machine.for_cue(c).strip())]
        durations = {}
        for cue in cues:
            target = set_dir / clip_path(job, set_version, cue.id)
            durations[cue.id] = write_clip(review_wav, cue.start_ms, cue.end_ms, target)
        rows = approval_rows(
            cues,
            machine,
            job=job,
            approver=approver,
            set_version=set_version,
            review_version=review_version,
            durations=lambda c: durations[c.id],
        )
        payload = "".join(json.dumps(r.model_dump(), ensure_ascii=False) + "\n" for r in rows)
        try:
            fd = os.open(manifest, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise OutputError(f"cannot append to the evaluation set ({exc.strerror or exc})", path=manifest) from exc
    log.info("evaluation set: %d rows of job %s as set version %d", len(rows), job, set_version)
    return set_version, rows
