"""The version store: every save is a new immutable version; concurrent saves are merged, never lost.

Layout, under ``<data_dir>/reviews/<job>/``::

    v0000.json       the machine's cues (written when the recording is first opened)
    v0001.json ...   one file per save, never rewritten
    history.jsonl    one line per version: number, base, reviewer, time, action

A save names the version it was edited from (its *base*). Version ``base + 1``
is created with an exclusive link, so of two reviewers saving on the same
base exactly one wins; the other gets :class:`VersionConflictError` and can
:func:`three_way_merge` their edits with the winner's, cue by cue and field by
field, then save the merge on top of the latest version.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from nishabdham.errors import OutputError, ReviewError, VersionConflictError
from nishabdham.files import atomic_write
from nishabdham.review_ui.editing import CONTENT_FIELDS, ReviewCue
from nishabdham.types import from_jsonable, to_jsonable

log = logging.getLogger(__name__)

_VERSION_FILE = re.compile(r"^v(\d{4,})\.json$")
_JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True, slots=True)
class ReviewVersion:
    """One saved state of a recording's cues (the typed JSON of ``vNNNN.json``)."""

    job: str
    number: int
    base: int
    reviewer: str
    saved_at: str
    cues: tuple[ReviewCue, ...]
    action: str = "save"
    """``machine`` (version 0), ``save``, or ``merge`` (a save that merged a concurrent one)."""
    merged_from: tuple[int, ...] = ()
    schema_version: int = 1


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of ``history.jsonl``: a version without its cues."""

    number: int
    base: int
    reviewer: str
    saved_at: str
    action: str
    cues: int


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class VersionStore:
    """Versions of every recording under review, in ``root`` (``<data_dir>/reviews``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def job_dir(self, job: str) -> Path:
        if not _JOB_ID.match(job):
            raise ReviewError(f"'{job}' is not a valid job id")
        return self.root / job

    # ----------------------------------------------------------------- reading

    def numbers(self, job: str) -> list[int]:
        folder = self.job_dir(job)
        if not folder.is_dir():
            return []
        return sorted(int(m.group(1)) for name in os.listdir(folder) if (m := _VERSION_FILE.match(name)))

    def latest_number(self, job: str) -> int:
        """The newest version's number; -1 when the recording was never opened for review."""
        numbers = self.numbers(job)
        return numbers[-1] if numbers else -1

    def load(self, job: str, number: int | None = None) -> ReviewVersion:
        """One version (the latest when ``number`` is None)."""
        number = self.latest_number(job) if number is None else number
        path = self._path(job, number)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ReviewError(f"version {number} of job {job} does not exist", path=path) from None
        except (OSError, ValueError) as exc:
            raise ReviewError(f"version file cannot be read ({exc})", path=path) from exc
        return from_jsonable(ReviewVersion, data)

    def history(self, job: str) -> list[HistoryEntry]:
        path = self.job_dir(job) / "history.jsonl"
        if not path.is_file():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [from_jsonable(HistoryEntry, json.loads(line)) for line in lines if line.strip()]

    # ----------------------------------------------------------------- writing

    def open(self, job: str, machine: Sequence[ReviewCue]) -> ReviewVersion:
        """The latest version of ``job``, creating version 0 from the machine's cues on first open."""
        if self.latest_number(job) < 0:
            version = ReviewVersion(job, 0, -1, "machine", now_iso(), tuple(machine), action="machine")
            try:
                self._create(version)
            except FileExistsError:
                pass  # another reviewer opened it at the same moment: same cues
        return self.load(job)

    def save(
        self, job: str, cues: Sequence[ReviewCue], base: int, reviewer: str, merged_from: tuple[int, ...] = ()
    ) -> ReviewVersion:
        """Save ``cues`` as version ``base + 1``; VersionConflictError when someone saved after ``base``."""
        if not reviewer.strip():
            raise ReviewError("a version needs the reviewer's name")
        latest = self.latest_number(job)
        if latest < 0:
            raise ReviewError(f"job {job} was never opened for review; open it before saving")
        if latest != base:
            raise self._conflict(job, base, latest)
        previous = self.load(job, base)
        stamped = stamp_changes(previous.cues, cues, reviewer)
        action = "merge" if merged_from else "save"
        version = ReviewVersion(job, base + 1, base, reviewer, now_iso(), stamped, action, merged_from)
        try:
            self._create(version)
        except FileExistsError:
            raise self._conflict(job, base, self.latest_number(job)) from None
        log.info("job %s: %s saved version %d (%d cues)", job, reviewer, version.number, len(stamped))
        return version

    def _conflict(self, job: str, base: int, latest: int) -> VersionConflictError:
        newer = [h for h in self.history(job) if h.number > base]
        who = ", ".join(sorted({h.reviewer for h in newer})) or "another reviewer"
        return VersionConflictError(
            f"{who} saved version {latest} of this recording after you opened version {base}; "
            "your edits are kept here: merge them with theirs, then save",
            latest=latest,
        )

    def _path(self, job: str, number: int) -> Path:
        return self.job_dir(job) / f"v{number:04d}.json"

    def _create(self, version: ReviewVersion) -> None:
        """Write a version file that must not exist yet (exclusive, never half-written)."""
        target = self._path(version.job, version.number)
        folder = target.parent
        try:
            data = to_jsonable(version)  # compact JSON: 3x faster to write
            atomic_write(
                target,
                lambda handle: json.dump(data, handle, ensure_ascii=False, separators=(",", ":")),
                exclusive=True,
            )
            entry = HistoryEntry(
                version.number, version.base, version.reviewer, version.saved_at, version.action, len(version.cues)
            )
            with open(folder / "history.jsonl", "a", encoding="utf-8") as handle:
                handle.write(json.dumps(_plain(entry), ensure_ascii=False) + "\n")
        except FileExistsError:
            raise
        except OSError as exc:
            raise OutputError(f"cannot save the review version ({exc.strerror or exc})", path=target) from exc


def _plain(entry: HistoryEntry) -> dict:
    return {name: getattr(entry, name) for name in HistoryEntry.__dataclass_fields__}


def stamp_changes(before: Sequence[ReviewCue], after: Sequence[ReviewCue], reviewer: str) -> tuple[ReviewCue, ...]:
    """``after`` with ``edited_by`` set to ``reviewer`` on every cue that differs from ``before``."""
    old = {c.id: c for c in before}
    out = []
    for cue in after:
        prior = old.get(cue.id)
        changed = prior is None or any(prior.value(f) != cue.value(f) for f in CONTENT_FIELDS)
        out.append(replace(cue, edited_by=reviewer) if changed else cue)
    return tuple(out)


# --------------------------------------------------------------------------- three-way merge


@dataclass(frozen=True, slots=True)
class MergeConflict:
    """One field of one cue that both reviewers changed differently (``cue`` = one deleted it)."""

    cue_id: str
    field: str
    base: object
    mine: object
    theirs: object


@dataclass(frozen=True, slots=True)
class MergeResult:
    """Both reviewers' edits combined; where they clash, theirs is kept until the reviewer chooses."""

    cues: tuple[ReviewCue, ...]
    conflicts: tuple[MergeConflict, ...]
    mine: tuple[ReviewCue, ...]
    theirs_version: int


def three_way_merge(
    base: Sequence[ReviewCue], mine: Sequence[ReviewCue], theirs: Sequence[ReviewCue], theirs_version: int = 0
) -> MergeResult:
    """Combine my edits (from ``base``) with theirs (also from ``base``), cue by cue, field by field."""
    base_by = {c.id: c for c in base}
    mine_by = {c.id: c for c in mine}
    result = {c.id: c for c in theirs}
    conflicts: list[MergeConflict] = []
    for cue_id in _ordered_ids(base, mine):
        b, m, t = base_by.get(cue_id), mine_by.get(cue_id), result.get(cue_id)
        if m == b:
            continue
        if b is None:  # I added it (a split)
            result[cue_id] = m  # type: ignore[assignment]
        elif m is None:  # I removed it (merged into another cue)
            if t is not None and _same(t, b):
                del result[cue_id]
            elif t is not None:
                conflicts.append(MergeConflict(cue_id, "cue", b, None, t))
        elif t is None:  # they removed what I changed
            conflicts.append(MergeConflict(cue_id, "cue", b, m, None))
        else:
            result[cue_id], clashes = _merge_fields(b, m, t)
            conflicts += clashes
    return MergeResult(_sorted(result.values()), tuple(conflicts), tuple(mine), theirs_version)


def _merge_fields(b: ReviewCue, m: ReviewCue, t: ReviewCue) -> tuple[ReviewCue, list[MergeConflict]]:
    merged, clashes = t, []
    for name in CONTENT_FIELDS:
        bv, mv, tv = b.value(name), m.value(name), t.value(name)
        if mv == bv or mv == tv:
            continue
        if tv == bv:
            merged = merged.with_value(name, mv)
            if name in ("times", "text"):
                merged = _composed_as(merged, m)
        else:
            clashes.append(MergeConflict(m.id, name, bv, mv, tv))
    return merged, clashes


def resolve(result: MergeResult, take_mine: Iterable[tuple[str, str]]) -> tuple[ReviewCue, ...]:
    """The merged cues with my side chosen for the listed (cue id, field) conflicts."""
    chosen = set(take_mine)
    cues = {c.id: c for c in result.cues}
    mine = {c.id: c for c in result.mine}
    for conflict in result.conflicts:
        if (conflict.cue_id, conflict.field) not in chosen:
            continue
        if conflict.field == "cue":
            if conflict.mine is None:
                cues.pop(conflict.cue_id, None)
            else:
                cues[conflict.cue_id] = mine[conflict.cue_id]
        elif conflict.cue_id in cues:
            cue = cues[conflict.cue_id].with_value(conflict.field, conflict.mine)
            if conflict.field in ("times", "text"):
                cue = _composed_as(cue, mine[conflict.cue_id])
            cues[conflict.cue_id] = cue
    return _sorted(cues.values())


def _composed_as(cue: ReviewCue, mine: ReviewCue) -> ReviewCue:
    """``cue`` with the words, origin and confidence of ``mine``, whose times or text it took (a merge in them)."""
    return cue.with_cue(words=mine.words, origin=mine.origin, confidence=mine.confidence)


def _same(a: ReviewCue, b: ReviewCue) -> bool:
    return all(a.value(f) == b.value(f) for f in CONTENT_FIELDS)


def _ordered_ids(*groups: Sequence[ReviewCue]) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        for cue in group:
            seen.setdefault(cue.id)
    return list(seen)


def _sorted(cues: Iterable[ReviewCue]) -> tuple[ReviewCue, ...]:
    return tuple(sorted(cues, key=lambda c: (c.start_ms, c.end_ms, c.id)))
