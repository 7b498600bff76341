"""What the review page shows about each cue: rule warnings, QA flags, the machine's original.

Rule warnings come from :func:`nishabdham.pipeline.cues.rules.cue_problems` (lengths in
grapheme clusters), so the page warns about exactly what the pipeline itself
enforces. QA flags add what the machine knew about its own output (low word
confidence, letters in a script that is neither Telugu nor Latin, text a
guard removed nearby) and give every cue a severity, for "worst first".
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from nishabdham.evaluation.metrics import cer, wer
from nishabdham.pipeline.cues.rules import CueRules, cue_problems
from nishabdham.pipeline.script import script_counts
from nishabdham.review_ui.editing import ReviewCue
from nishabdham.types import Removal

#: Severity of each QA flag; a cue's severity is the sum of its flags.
FLAG_WEIGHTS = {
    "script": 3,
    "low confidence": 2,
    "removed nearby": 2,
    "length": 2,
    "reading speed": 2,
    "too long": 1,
    "too short": 1,
    "gap": 1,
}
LOW_CONFIDENCE = 0.5
"""A cue with a word below this probability (or a mean below 0.7) is flagged."""


def cue_warnings(cues: Sequence[ReviewCue], rules: CueRules) -> dict[str, list[str]]:
    """Rule problems of every (non-blank) cue, keyed by cue id; cues without problems are left out."""
    out: dict[str, list[str]] = {}
    for i, cue in enumerate(cues):
        if cue.blank:
            continue
        following = cues[i + 1].as_cue() if i + 1 < len(cues) else None
        problems = cue_problems(cue.as_cue(), rules, following)
        if problems:
            out[cue.id] = problems
    return out


def _rule_flag(problem: str) -> str:
    for prefix, flag in (
        ("line", "length"),
        ("too short", "too short"),
        ("too long", "too long"),
        ("reading speed", "reading speed"),
        ("gap", "gap"),
    ):
        if problem.startswith(prefix):
            return flag
    return "rule"


def qa_flags(cue: ReviewCue, problems: Sequence[str] = (), removed: Sequence[Removal] = ()) -> tuple[str, ...]:
    """Short QA labels for one cue, most severe first."""
    flags = {_rule_flag(p) for p in problems}
    if cue.words:
        probabilities = [w.probability for w in cue.words]
        if min(probabilities) < LOW_CONFIDENCE or sum(probabilities) / len(probabilities) < 0.7:
            flags.add("low confidence")
    scripts = set(script_counts(cue.text)) - {"Telugu", "Latin"}
    if scripts:
        flags.add("script")
    if any(r.start_ms < cue.end_ms and r.end_ms > cue.start_ms for r in removed):
        flags.add("removed nearby")
    return tuple(sorted(flags, key=lambda f: (-FLAG_WEIGHTS.get(f, 1), f)))


def severity(flags: Sequence[str]) -> int:
    return sum(FLAG_WEIGHTS.get(f, 1) for f in flags)


# --------------------------------------------------------------------------- machine original


class MachineText:
    """The machine's text for any stretch of the recording (for "original" and hypotheses).

    A cue the reviewer left where the machine put it gets the machine cue's own
    text; any other span (after a split, merge or retiming) gets the machine's
    words whose midpoints fall inside it.
    """

    def __init__(self, machine: Sequence[ReviewCue]) -> None:
        self._by_id = {c.id: c for c in machine}
        units: list[tuple[float, str]] = []
        for cue in machine:
            if cue.words and len(cue.words) == len(cue.text.split()):
                units += [((w.start_ms + w.end_ms) / 2, t) for w, t in zip(cue.words, cue.text.split())]
            elif cue.text:
                units.append(((cue.start_ms + cue.end_ms) / 2, cue.text))
        units.sort(key=lambda u: u[0])
        self._mids = [u[0] for u in units]
        self._texts = [u[1] for u in units]

    def original(self, cue_id: str) -> ReviewCue | None:
        """The machine cue this cue started as (same id), if there was one."""
        return self._by_id.get(cue_id.split("+")[0])

    def for_cue(self, cue: ReviewCue) -> str:
        machine = self._by_id.get(cue.id)
        if machine is not None and (machine.start_ms, machine.end_ms) == (cue.start_ms, cue.end_ms):
            return machine.text
        return self.between(cue.start_ms, cue.end_ms)

    def between(self, start_ms: int, end_ms: int) -> str:
        lo = bisect.bisect_left(self._mids, start_ms)
        hi = bisect.bisect_right(self._mids, end_ms)
        return " ".join(self._texts[lo:hi])


# --------------------------------------------------------------------------- error rates


@dataclass(frozen=True, slots=True)
class ErrorRates:
    """How far the machine was from the reviewed subtitles of one recording."""

    cer: float
    wer: float
    cues_total: int
    cues_edited: int


def error_rates(reviewed: Sequence[ReviewCue], machine: Sequence[ReviewCue]) -> ErrorRates:
    """CER (aksharas) and WER of the machine's whole text against the reviewed whole text."""
    reference = " ".join(c.text for c in reviewed if not c.blank)
    hypothesis = " ".join(c.text for c in machine)
    by_id = {c.id: c for c in machine}
    edited = sum(1 for c in reviewed if by_id.get(c.id) is None or _content(by_id[c.id]) != _content(c))
    return ErrorRates(
        cer=round(cer([reference], [hypothesis]), 4),
        wer=round(wer([reference], [hypothesis]), 4),
        cues_total=len(reviewed),
        cues_edited=edited,
    )


def _content(cue: ReviewCue) -> tuple:
    return (cue.start_ms, cue.end_ms, cue.text, cue.second, cue.speaker, cue.tags)
