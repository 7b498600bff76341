"""The one exception tree of Nishabdham.

Every error a user can meet is a :class:`NishabdhamError`. Its message says what
was wrong, with which file, and (where there is one) what to do about it, so the
CLI can print it as one line and the worker can store it as a job's error.
"""

from __future__ import annotations

from pathlib import Path


class NishabdhamError(Exception):
    """Base class for every error this project raises on purpose."""

    #: Short machine-readable reason, stored with failed jobs and in QA reports.
    code = "error"

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.reason = message
        super().__init__(f"{self.path}: {message}" if self.path else message)


class ConfigError(NishabdhamError):
    """A setting or settings file is invalid."""

    code = "config"


class InputError(NishabdhamError):
    """An input file is missing, empty, or not something we can read."""

    code = "input"


class AudioDecodeError(InputError):
    """ffmpeg could not decode the file (corrupt, truncated, not audio)."""

    code = "decode"


class ModelError(NishabdhamError):
    """The Whisper model cannot be found, verified or loaded."""

    code = "model"


class ModelIntegrityError(ModelError):
    """The bundled model's files do not match their published hash."""

    code = "model-integrity"


class OutputError(NishabdhamError):
    """An output file or directory cannot be written."""

    code = "output"


class SubtitleFormatError(NishabdhamError):
    """A subtitle file is malformed (strict parsing)."""

    code = "subtitle-format"


class GlossaryError(NishabdhamError):
    """The glossary file is unreadable, malformed or self-contradictory."""

    code = "glossary"


class DependencyError(NishabdhamError):
    """An optional dependency (an extra) is needed but not installed."""

    code = "dependency"


class QueueError(NishabdhamError):
    """The job queue (broker) or the job store cannot be reached."""

    code = "queue"


class ManifestError(InputError):
    """An evaluation-set manifest cannot be read at all (missing, not UTF-8 text)."""

    code = "manifest"


class ReviewError(NishabdhamError):
    """A review edit, version or approval cannot be done as asked."""

    code = "review"


class VersionConflictError(ReviewError):
    """Someone else saved a newer version of the same recording since this edit began."""

    code = "version-conflict"

    def __init__(self, message: str, *, latest: int, path: str | Path | None = None) -> None:
        self.latest = latest
        super().__init__(message, path=path)


class AuthError(NishabdhamError):
    """Sign-in was refused, or the review UI would be exposed without authentication."""

    code = "auth"


class UploadError(InputError):
    """An uploaded recording was refused (too large, wrong type, unusable name)."""

    code = "upload"
