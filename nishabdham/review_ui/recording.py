"""A recording opened for review: its transcript, the machine's cues, and where its review lives."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from nishabdham.errors import InputError
from nishabdham.pipeline.runner import current_settings
from nishabdham.review_ui.editing import ReviewCue, machine_cues
from nishabdham.review_ui.media import AUDIO_NAME
from nishabdham.review_ui.quality import MachineText
from nishabdham.types import Transcript, from_jsonable


def reviews_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / "reviews"


def load_transcript(path: str | Path) -> Transcript:
    """A transcript JSON as ``nishabdham transcribe`` writes it; InputError naming the file otherwise."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("transcript not found (has the job finished?)", path=path) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"transcript cannot be read ({exc})", path=path) from exc
    try:
        return from_jsonable(Transcript, _current(data))
    except ValidationError as exc:
        raise InputError(
            f"not a Nishabdham transcript ({exc.error_count()} problems, first: {exc.errors()[0]['msg']})", path=path
        ) from exc


def _current(data):
    """The transcript's data with its settings as written today (``decode``, ``transcribe`` before 4 December)."""
    if isinstance(data, dict) and isinstance(data.get("settings"), dict):
        return {**data, "settings": current_settings(data["settings"])}
    return data


@dataclass(frozen=True)
class Recording:
    """Everything the review page needs about one job's recording."""

    job: str
    name: str
    """The stem of exported subtitle files."""
    transcript: Transcript
    source: Path
    """The recording as uploaded."""
    folder: Path
    """``<data_dir>/reviews/<job>``: versions, review audio, approvals."""

    @cached_property
    def machine(self) -> tuple[ReviewCue, ...]:
        return machine_cues(self.transcript)

    @cached_property
    def machine_text(self) -> MachineText:
        return MachineText(self.machine)

    @property
    def review_wav(self) -> Path:
        return self.folder / AUDIO_NAME

    @property
    def duration_ms(self) -> int:
        return self.transcript.duration_ms


def open_recording(
    data_dir: str | Path, job: str, transcript_path: str | Path, source: str | Path, name: str = ""
) -> Recording:
    transcript = load_transcript(transcript_path)
    return Recording(
        job=job,
        name=name or Path(source).stem or job,
        transcript=transcript,
        source=Path(source),
        folder=reviews_dir(data_dir) / job,
    )
