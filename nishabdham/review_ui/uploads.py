"""Uploaded recordings: a size limit, a safe file name, and a place inside the data directory.

A browser sends any name it likes (``../../x.wav``, ``C:\\x.wav``, control
characters, a dot file). :func:`safe_name` keeps only the last path component's
letters, digits and a few marks (Telugu letters included); the file is then
written inside a fresh folder under ``<data_dir>/uploads`` and the resolved
path is checked to be inside it before anything is written.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import regex

from nishabdham.errors import OutputError, UploadError

MB = 1024 * 1024
#: Extensions the uploader accepts (anything ffmpeg decodes that people send).
AUDIO_TYPES = ("wav", "mp3", "m4a", "flac", "ogg", "opus", "aac", "wma", "mp4", "mkv", "webm", "mov")
_UNSAFE = regex.compile(r"[^\p{L}\p{M}\p{N}_.\- ()]+")
_CHUNK = 1 << 20


def uploads_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / "uploads"


def safe_name(raw: str) -> str:
    """A file name that names one file and nothing else: no folders, no dot files, no control characters."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = re.sub(r"[^A-Za-z0-9]", "", ext).lower()[:10]
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:100].strip(" ._") or "recording"
    return f"{stem}.{ext}" if ext else stem


def check_upload(name: str, size: int, limit_mb: int) -> str:
    """The safe name of an acceptable upload; UploadError saying why one is refused."""
    safe = safe_name(name)
    if size > limit_mb * MB:
        raise UploadError(
            f"{safe} is {size / MB:.1f} MB; recordings may be at most {limit_mb} MB (NISHABDHAM_REVIEW_MAX_UPLOAD_MB)"
        )
    if size == 0:
        raise UploadError(f"{safe} is empty (0 bytes)")
    ext = safe.rpartition(".")[2].lower() if "." in safe else ""
    if ext not in AUDIO_TYPES:
        raise UploadError(f"{safe}: not a recording type this accepts ({', '.join(AUDIO_TYPES)})")
    return safe


def save_upload(data_dir: str | Path, name: str, data: BinaryIO | bytes, size: int, limit_mb: int) -> Path:
    """Store one upload as ``<data_dir>/uploads/<stamp>-<random>/<safe name>``; returns its path."""
    safe = check_upload(name, size, limit_mb)
    root = uploads_dir(data_dir).resolve()
    folder = root / f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"
    target = (folder / safe).resolve()
    if target.parent != folder or root not in target.parents:
        raise UploadError(f"{name!r}: the file name would leave the uploads folder")
    try:
        folder.mkdir(parents=True, exist_ok=False)
        with open(target, "xb") as handle:
            written = _copy(data, handle, limit_mb)
    except OSError as exc:
        raise OutputError(f"cannot store the upload ({exc.strerror or exc})", path=target) from exc
    except UploadError:
        target.unlink(missing_ok=True)
        folder.rmdir()
        raise
    if written == 0:
        target.unlink(missing_ok=True)
        folder.rmdir()
        raise UploadError(f"{safe} is empty (0 bytes)")
    return target


MAX_TEXT_CHARS = 200_000


def save_text(recording: Path, text: str) -> Path | None:
    """Store a poem's given text beside its uploaded recording (``<stem>.txt``), or None when blank.

    The worker aligns it to the reading (as ``transcribe --text`` does); UploadError when it
    is too long or has no verse line.
    """
    from nishabdham.files import atomic_write_text
    from nishabdham.pipeline.known_text.verse import parse_text

    if not text.strip():
        return None
    if len(text) > MAX_TEXT_CHARS:
        raise UploadError(f"the text for {recording.name} is {len(text):,} characters; at most {MAX_TEXT_CHARS:,}")
    if not parse_text(text).lines:
        raise UploadError(f"the text for {recording.name} has no verse line")
    target = recording.with_suffix(".txt")
    atomic_write_text(target, unicodedata.normalize("NFC", text.replace("\r\n", "\n")))
    return target


def _copy(data: BinaryIO | bytes, handle: BinaryIO, limit_mb: int) -> int:
    if isinstance(data, (bytes, bytearray, memoryview)):
        chunks = [bytes(data)]
    else:
        if hasattr(data, "seek"):
            data.seek(0)
        chunks = iter(lambda: data.read(_CHUNK), b"")
    written = 0
    for chunk in chunks:
        written += len(chunk)
        if written > limit_mb * MB:
            raise UploadError(f"upload is larger than {limit_mb} MB (NISHABDHAM_REVIEW_MAX_UPLOAD_MB)")
        handle.write(chunk)
    handle.flush()
    os.fsync(handle.fileno())
    return written
