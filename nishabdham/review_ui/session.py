"""One reviewer's working copy of a recording: its cues, the version they came from, undo and redo."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from nishabdham.errors import ReviewError
from nishabdham.review_ui.editing import Cues, ReviewCue


@dataclass(frozen=True)
class EditSession:
    """One reviewer's working copy of a recording: cues, the version they came from, and undo."""

    job: str
    base_version: int
    cues: Cues
    duration_ms: int
    saved: Cues = ()
    undo_stack: tuple[Cues, ...] = field(default=(), repr=False)
    undo_depth: int = 100
    redo_stack: tuple[Cues, ...] = field(default=(), repr=False)

    @classmethod
    def start(
        cls,
        job: str,
        base_version: int,
        cues: Sequence[ReviewCue],
        duration_ms: int,
        undo_depth: int = 100,
        draft: Sequence[ReviewCue] | None = None,
    ) -> EditSession:
        """A session on a saved version; with ``draft``, the reviewer's unsaved cues on top of it."""
        cues = tuple(cues)
        working = cues if draft is None else tuple(draft)
        return cls(job, base_version, working, duration_ms, saved=cues, undo_depth=undo_depth)

    def apply(self, operation: Callable[..., Cues], *args, **kwargs) -> EditSession:
        """Run one edit operation on the cues; the previous state goes on the undo stack."""
        new = tuple(operation(self.cues, *args, **kwargs))
        if new == self.cues:
            return self
        stack = (self.undo_stack + (self.cues,))[-self.undo_depth :]
        return replace(self, cues=new, undo_stack=stack, redo_stack=())

    def undo(self) -> EditSession:
        if not self.undo_stack:
            raise ReviewError("nothing to undo")
        redo = (self.redo_stack + (self.cues,))[-self.undo_depth :]
        return replace(self, cues=self.undo_stack[-1], undo_stack=self.undo_stack[:-1], redo_stack=redo)

    def redo(self) -> EditSession:
        if not self.redo_stack:
            raise ReviewError("nothing to redo")
        undo = (self.undo_stack + (self.cues,))[-self.undo_depth :]
        return replace(self, cues=self.redo_stack[-1], undo_stack=undo, redo_stack=self.redo_stack[:-1])

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_stack)

    @property
    def dirty(self) -> bool:
        """True when there are edits that are not saved as a version yet."""
        return self.cues != self.saved

    def saved_as(self, version: int, cues: Sequence[ReviewCue]) -> EditSession:
        """The session after a save: based on the new version, undo kept (unchanged cues stay the same object)."""
        cues = tuple(cues)
        if cues == self.cues:
            cues = self.cues
        return replace(self, base_version=version, cues=cues, saved=cues)
