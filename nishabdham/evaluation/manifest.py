"""Evaluation-set manifests: JSON Lines in NeMo / Hugging Face style.

One row per utterance. ``audio_filepath`` is relative to the manifest's folder
(or absolute); ``offset`` and ``duration`` (seconds) select part of the file.
Rows made from reviewed cues also carry the machine's ``hypothesis``, the
reviewer's error ``tags``, the ``reviewer`` and the ``job``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nishabdham.errors import ManifestError

#: Error categories a reviewer can give a corrected cue (also the per-category metrics).
ERROR_TAGS = (
    "cultural-term",
    "phonetic",
    "script",
    "english-word",
    "timing",
    "segmentation",
    "hallucination",
)

#: Languages a row may declare.
LANGUAGES = ("te", "en", "te-en")


class ManifestRow(BaseModel):
    """One utterance of an evaluation set."""

    model_config = ConfigDict(extra="allow")

    audio_filepath: str = Field(description="Audio file, relative to the manifest's folder or absolute.")
    duration: float | None = Field(None, ge=0, description="Seconds of audio (from offset) that the text covers.")
    offset: float = Field(0.0, ge=0, description="Where the utterance starts in the file, seconds.")
    text: str = Field(description="The reference (reviewed) transcript.")
    lang: str = Field("te", description="te, en or te-en (code-switched).")
    hypothesis: str | None = Field(None, description="What the machine wrote, before review.")
    tags: list[str] = Field(default_factory=list, description="Reviewer's error categories, from ERROR_TAGS.")
    reviewer: str | None = None
    job: str | None = None
    reference_srt: str | None = Field(
        None,
        description="Reference subtitles of the recording (recording time), relative to the manifest's folder; scores cue timing.",
    )
    text_file: str | None = Field(
        None,
        description="The poem's given text (as for `transcribe --text`), relative to the manifest's folder; "
        "the row is transcribed with it and scored in the `text-given` group.",
    )


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class ManifestProblem:
    """A manifest line that cannot be used, and why (the other lines still are)."""

    manifest: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.manifest}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """A valid row with where it came from and its files resolved."""

    manifest: Path
    line: int
    row: ManifestRow
    audio: Path
    reference_srt: Path | None = None
    text_file: Path | None = None

    @property
    def row_id(self) -> str:
        """A name for the row that is the same on every machine: folder/audio[@offset]."""
        audio = self.row.audio_filepath if not os.path.isabs(self.row.audio_filepath) else self.audio.name
        where = f"{self.manifest.parent.name}/{audio}"
        return f"{where}@{self.row.offset:g}" if self.row.offset else where


def read_manifest(path: str | Path, *, check_files: bool = True) -> tuple[list[ManifestEntry], list[ManifestProblem]]:
    """Read a JSON Lines manifest: the usable rows, and a numbered problem for each other line.

    A line is refused when it is not a JSON object, misses a field, has an
    empty reference, a language outside LANGUAGES, an unknown error tag, a
    relative path that leaves the manifest's folder, or (with ``check_files``)
    audio that does not exist. Blank lines are skipped.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ManifestError("manifest not found", path=path) from exc
    except UnicodeDecodeError as exc:
        raise ManifestError(f"manifest is not UTF-8 text ({exc.reason} at byte {exc.start})", path=path) from exc
    except OSError as exc:
        raise ManifestError(f"manifest cannot be read ({exc.strerror or exc})", path=path) from exc
    entries, problems = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entries.append(parse_line(path, number, line, check_files=check_files))
        except _LineError as exc:
            problems.append(ManifestProblem(str(path), number, str(exc)))
    return entries, problems


class _LineError(ValueError):
    """One line's problem (internal: turned into a ManifestProblem)."""


def parse_line(manifest: Path, number: int, line: str, *, check_files: bool = True) -> ManifestEntry:
    """Validate one manifest line into an entry; raise _LineError saying what is wrong."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _LineError(f"broken JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise _LineError(f"expected a JSON object, got {type(data).__name__}")
    try:
        row = ManifestRow.model_validate(data)
    except ValidationError as exc:
        raise _LineError("; ".join(_field_error(e) for e in exc.errors())) from exc
    _check_row(row)
    audio = _resolve(manifest, row.audio_filepath, "audio_filepath", check_files)
    srt = _resolve(manifest, row.reference_srt, "reference_srt", check_files) if row.reference_srt else None
    text = _resolve(manifest, row.text_file, "text_file", check_files) if row.text_file else None
    return ManifestEntry(manifest, number, row, audio, srt, text_file=text)


def _field_error(error: dict) -> str:
    name = ".".join(str(p) for p in error["loc"]) or "row"
    return f"{name}: {error['msg']}"


def _check_row(row: ManifestRow) -> None:
    from nishabdham.evaluation.metrics import normalize_text

    if not normalize_text(row.text):
        raise _LineError("empty reference text")
    if row.lang not in LANGUAGES:
        raise _LineError(f"unknown language {row.lang!r}; expected one of {', '.join(LANGUAGES)}")
    unknown = [t for t in row.tags if t not in ERROR_TAGS]
    if unknown:
        raise _LineError(
            f"unknown error tag(s) {', '.join(map(repr, unknown))}; expected any of {', '.join(ERROR_TAGS)}"
        )
    if row.duration == 0:
        raise _LineError("duration is 0: the row selects no audio")


def _resolve(manifest: Path, value: str, field: str, check_files: bool) -> Path:
    """A row's file: absolute as written, or relative to the manifest's folder and inside it."""
    if not value.strip():
        raise _LineError(f"{field} is empty")
    if os.path.isabs(value):
        path = Path(value)
    else:
        folder = os.path.normpath(os.path.abspath(manifest.parent))
        path = Path(os.path.normpath(os.path.join(folder, value)))
        if os.path.commonpath([folder, str(path)]) != folder:
            raise _LineError(
                f"{field} {value!r} leaves the manifest's folder; use a path inside it or an absolute path"
            )
    if check_files and not path.is_file():
        raise _LineError(f"{field} not found: {path}")
    return path


def latest_per_job(rows: Sequence[ManifestRow]) -> list[ManifestRow]:
    """Only the rows of each job's newest approval (``set_version``): the current evaluation set.

    Approving a recording again appends its cues under a new set_version; older rows stay
    for history, but counting them again would weigh re-approved recordings twice.
    """
    newest: dict[str | None, int] = {}
    for row in rows:
        version = int(getattr(row, "set_version", 0) or 0)
        newest[row.job] = max(newest.get(row.job, 0), version)
    return [r for r in rows if int(getattr(r, "set_version", 0) or 0) == newest[r.job]]
