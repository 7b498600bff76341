"""The one way files are written: through a temporary file beside the target and a rename.

A reader (a web server, the review UI, a second worker) sees either the old file or the new
one, never half of one; an error leaves nothing behind but the old file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from nishabdham.errors import OutputError

_UMASK = os.umask(0o022)
os.umask(_UMASK)
#: mkstemp makes 0600; outputs are for others to read (the review UI, a web server).
FILE_MODE = 0o666 & ~_UMASK


def atomic_write(
    path: str | Path, write: Callable[[IO], None], *, binary: bool = False, exclusive: bool = False
) -> Path:
    """Call ``write(handle)`` on a temporary file, then move it to ``path`` in one step.

    ``exclusive``: fail with :class:`FileExistsError` when ``path`` exists (the first writer wins)
    instead of replacing it. OS errors become :class:`~nishabdham.errors.OutputError` naming the file.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write here ({exc.strerror})", path=path.parent) from exc
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        if exclusive:
            os.link(tmp, path)  # raises FileExistsError: the atomic "first writer wins"
        else:
            os.replace(tmp, path)
    except FileExistsError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write ({exc.strerror})", path=path) from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text (``\\n`` line ends) to ``path``, never half-written."""
    return atomic_write(path, lambda handle: handle.write(text))


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write bytes to ``path``, never half-written."""
    return atomic_write(path, lambda handle: handle.write(data), binary=True)
