"""Speaker labels scored against a reference RTTM: DER and JER (pyannote.metrics).

A manifest row with ``reference_rttm`` (a standard RTTM file: ``SPEAKER uri channel start
duration <NA> <NA> speaker ...``, recording time) has the speaker labels of its cues scored:
each cue is one hypothesis turn ``[start, end)`` with its speaker. Both sides are limited to
the row's stretch (``offset``, ``duration``). Labels need not match: the metrics map
hypothesis speakers to reference speakers optimally. pyannote.metrics comes with the
``diarization`` extra and is imported lazily; without it the row's speakers are not scored
and the run says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from nishabdham.errors import DependencyError, InputError

COLLAR_S = 0.25
"""Forgiveness around each reference boundary, seconds (the usual 0.25 s)."""


class SpeakerErrors(BaseModel):
    """How well one row's speaker labels match its reference RTTM."""

    der: float = Field(description="diarization error rate (missed + false alarm + confusion) / reference speech")
    jer: float = Field(description="Jaccard error rate")
    collar_s: float = COLLAR_S
    reference_speakers: int = 0
    hypothesis_speakers: int = 0
    reference_s: float = Field(0.0, description="seconds of reference speech scored")


def read_rttm(path: Path) -> list[tuple[float, float, str]]:
    """``(start_s, end_s, speaker)`` of every SPEAKER line; an InputError naming the file and line if malformed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot be read ({exc})", path=path) from exc
    turns = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields or fields[0] != "SPEAKER":
            continue
        try:
            start, duration, speaker = float(fields[3]), float(fields[4]), fields[7]
        except (IndexError, ValueError) as exc:
            raise InputError(f"line {number} is not an RTTM SPEAKER line ({line.strip()[:60]})", path=path) from exc
        if duration < 0 or start < 0:
            raise InputError(f"line {number} has a negative time", path=path)
        turns.append((start, start + duration, speaker))
    return turns


def speaker_errors(
    reference: Sequence[tuple[float, float, str]],
    cues: Sequence,
    window: tuple[float, float] = (0.0, float("inf")),
    collar_s: float = COLLAR_S,
) -> SpeakerErrors:
    """DER and JER of the cues' speakers (cue times in ms) against reference turns (seconds), inside ``window``."""
    try:
        from pyannote.core import Annotation, Segment
        from pyannote.metrics.diarization import DiarizationErrorRate, JaccardErrorRate
    except ImportError as exc:
        raise DependencyError(
            "scoring speakers (reference_rttm) needs pyannote.metrics: install the diarization extra"
        ) from exc

    def clipped(start: float, end: float) -> Segment | None:
        start, end = max(start, window[0]), min(end, window[1])
        return Segment(start, end) if end > start else None

    ref, hyp = Annotation(), Annotation()
    for start, end, speaker in reference:
        if (segment := clipped(start, end)) is not None:
            ref[segment, len(ref)] = speaker
    for cue in cues:
        if cue.speaker and (segment := clipped(cue.start_ms / 1000, cue.end_ms / 1000)) is not None:
            hyp[segment, len(hyp)] = cue.speaker
    der = DiarizationErrorRate(collar=collar_s)(ref, hyp)
    jer = JaccardErrorRate(collar=collar_s)(ref, hyp) if ref.labels() else 0.0
    return SpeakerErrors(
        der=round(float(der), 4),
        jer=round(float(jer), 4),
        collar_s=collar_s,
        reference_speakers=len(ref.labels()),
        hypothesis_speakers=len(hyp.labels()),
        reference_s=round(float(ref.get_timeline().support().duration()), 3),
    )
