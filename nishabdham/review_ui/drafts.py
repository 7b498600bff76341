"""Drafts: a reviewer's unsaved cues, written as they edit, so a reload or a closed tab loses nothing.

Layout, under ``<data_dir>/reviews/<job>/drafts/``: one ``<reviewer>.json`` per
reviewer, holding the version the draft was edited from and its cues. Every edit
rewrites it atomically; saving a version (or undoing back to it) removes it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nishabdham.errors import NishabdhamError, OutputError
from nishabdham.files import atomic_write
from nishabdham.review_ui.editing import ReviewCue
from nishabdham.review_ui.versions import now_iso
from nishabdham.types import from_jsonable, to_jsonable

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Draft:
    """A reviewer's working copy of one recording, not yet saved as a version."""

    job: str
    reviewer: str
    base_version: int
    saved_at: str
    cues: tuple[ReviewCue, ...]
    schema_version: int = 1


def draft_path(job_folder: str | Path, reviewer: str) -> Path:
    """Where ``reviewer``'s draft of a recording lives (a readable slug plus a hash: names stay apart)."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", reviewer).strip("-")[:40] or "reviewer"
    digest = hashlib.sha256(reviewer.encode("utf-8")).hexdigest()[:8]
    return Path(job_folder) / "drafts" / f"{slug}-{digest}.json"


def write_draft(path: Path, job: str, reviewer: str, base_version: int, cues: Sequence[ReviewCue]) -> None:
    """Keep the draft (atomically: a crash leaves the previous one whole)."""
    data = to_jsonable(Draft(job, reviewer, base_version, now_iso(), tuple(cues)))
    try:
        atomic_write(path, lambda handle: json.dump(data, handle, ensure_ascii=False, separators=(",", ":")))
    except OSError as exc:
        raise OutputError(f"cannot keep the draft of your edits ({exc.strerror or exc})", path=path) from exc


def read_draft(path: Path) -> Draft | None:
    """The draft at ``path``, or None (none, or unreadable: then it is logged and left for a person to see)."""
    if not path.is_file():
        return None
    try:
        return from_jsonable(Draft, json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        log.warning("draft %s cannot be read (%s); starting from the saved version", path, exc)
        return None


def discard_draft(path: Path) -> None:
    path.unlink(missing_ok=True)


class DraftWriter:
    """Writes drafts off the page's thread, newest last: an edit does not wait for the disk, and an
    older draft never overwrites a newer one. ``cues=None`` removes the draft."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[Path, tuple | None] = {}
        self._busy: dict[Path, threading.Event] = {}

    def submit(self, path: Path, job: str, reviewer: str, base_version: int, cues: Sequence[ReviewCue] | None) -> None:
        with self._lock:
            self._pending[path] = None if cues is None else (job, reviewer, base_version, tuple(cues))
            if path in self._busy:
                return
            self._busy[path] = threading.Event()
        threading.Thread(target=self._run, args=(path,), name="review-draft", daemon=True).start()

    def wait(self, path: Path, timeout_s: float = 10.0) -> None:
        """Until every draft handed in for ``path`` is on disk (before reading it back)."""
        with self._lock:
            done = self._busy.get(path)
        if done is not None:
            done.wait(timeout_s)

    def _run(self, path: Path) -> None:
        while True:
            with self._lock:
                if path not in self._pending:
                    self._busy.pop(path).set()
                    return
                item = self._pending.pop(path)
            try:
                if item is None:
                    discard_draft(path)
                else:
                    write_draft(path, *item)
            except (NishabdhamError, OSError) as exc:
                log.error("the draft %s was not kept: %s", path, exc)


DRAFTS = DraftWriter()
