"""Subtitle files: SRT (pysrt), WebVTT and JSON writers, and strict readers.

Every writer renders the same cues through :func:`nishabdham.pipeline.cues.rules.cue_lines`,
so SRT and WebVTT always agree. Files are written to a temporary file beside
the target and renamed into place: a crash or a bad input never leaves a
half-written file, and an earlier complete file stays until the new one is
whole.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from nishabdham.errors import OutputError, SubtitleFormatError
from nishabdham.files import atomic_write_text
from nishabdham.pipeline.cues.rules import CueRules, cue_lines
from nishabdham.types import Cue, Transcript, dumps

FORMATS = ("srt", "vtt", "json")


@dataclass(frozen=True, slots=True)
class WriterOptions:
    """Options of the writing stage."""

    formats: tuple[str, ...] = FORMATS
    """Which files to write: any of srt, vtt, json."""
    separate_tracks: bool = True
    """With a second line, also write each language as its own track (``<stem>.te.srt``, ``<stem>.en.srt``)."""
    speaker_names: dict[str, str] = field(default_factory=dict)
    """Names for speaker labels (``SPEAKER_00`` -> ``Host``), applied to every file written."""


@dataclass(frozen=True, slots=True)
class ParsedCue:
    """A cue read back from a file: times and the displayed lines."""

    index: int
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]


# --------------------------------------------------------------------------- validation


def check_cues(cues: Sequence[Cue], duration_ms: int | None = None) -> None:
    """Raise SubtitleFormatError unless times increase, never overlap and stay inside the recording."""
    previous_end = 0
    for number, cue in enumerate(cues, 1):
        if cue.start_ms < 0 or cue.end_ms <= cue.start_ms:
            raise SubtitleFormatError(f"cue {number} has start {cue.start_ms} ms and end {cue.end_ms} ms")
        if cue.start_ms < previous_end:
            raise SubtitleFormatError(
                f"cue {number} starts at {cue.start_ms} ms, before the previous cue ends ({previous_end} ms)"
            )
        if duration_ms is not None and cue.end_ms > duration_ms:
            raise SubtitleFormatError(f"cue {number} ends at {cue.end_ms} ms, after the recording ({duration_ms} ms)")
        previous_end = cue.end_ms


# --------------------------------------------------------------------------- rendering


def render_srt(cues: Sequence[Cue], rules: CueRules, track: str = "both") -> str:
    """SRT text through pysrt: indices from 1, ``HH:MM:SS,mmm`` times."""
    import pysrt

    subs = pysrt.SubRipFile()
    for number, (cue, lines) in enumerate(_tracks(cues, rules, track), 1):
        subs.append(
            pysrt.SubRipItem(
                index=number,
                start=pysrt.SubRipTime.from_ordinal(cue.start_ms),
                end=pysrt.SubRipTime.from_ordinal(cue.end_ms),
                text="\n".join(lines),
            )
        )
    buffer = io.StringIO()
    subs.write_into(buffer, eol="\n")
    return buffer.getvalue()


def render_vtt(cues: Sequence[Cue], rules: CueRules, track: str = "both") -> str:
    """WebVTT text: a ``WEBVTT`` header, then numbered cues with ``HH:MM:SS.mmm`` times."""
    out = ["WEBVTT", ""]
    for number, (cue, lines) in enumerate(_tracks(cues, rules, track), 1):
        safe = [line.replace("&", "&amp;").replace("<", "&lt;").replace("-->", "--&gt;") for line in lines]
        out += [str(number), f"{_vtt_time(cue.start_ms)} --> {_vtt_time(cue.end_ms)}", *safe, ""]
    return "\n".join(out)


def _tracks(cues: Sequence[Cue], rules: CueRules, track: str) -> Iterable[tuple[Cue, list[str]]]:
    """Cues with their lines for one track: ``both``, ``primary`` or ``second``."""
    from dataclasses import replace

    for cue in cues:
        if track == "primary":
            lines = cue_lines(replace(cue, second=""), rules)
        elif track == "second":
            lines = cue_lines(replace(cue, text=cue.second, second=""), rules) if cue.second else []
        else:
            lines = cue_lines(cue, rules)
        if lines:
            yield cue, lines


def _vtt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


# --------------------------------------------------------------------------- writing


def render_outputs(
    transcript: Transcript, stem: str, rules: CueRules, options: WriterOptions = WriterOptions()
) -> dict[str, str]:
    """File name -> content for every requested format (and the separate-language tracks)."""
    check_cues(transcript.cues, transcript.duration_ms)
    if options.speaker_names:
        from nishabdham.pipeline.speakers.diarize import name_speakers

        transcript = replace(transcript, cues=tuple(name_speakers(transcript.cues, options.speaker_names)))
    files: dict[str, str] = {}
    bilingual = any(c.second for c in transcript.cues)
    for fmt in options.formats:
        if fmt == "srt":
            files[f"{stem}.srt"] = render_srt(transcript.cues, rules)
        elif fmt == "vtt":
            files[f"{stem}.vtt"] = render_vtt(transcript.cues, rules)
        elif fmt == "json":
            continue  # written last, below: its presence marks a complete set
        else:
            raise OutputError(f"unknown subtitle format '{fmt}' (choose from {', '.join(FORMATS)})")
        if bilingual and options.separate_tracks:
            render = render_srt if fmt == "srt" else render_vtt
            files[f"{stem}.te.{fmt}"] = render(transcript.cues, rules, "primary")  # line 1: Telugu script
            files[f"{stem}.en.{fmt}"] = render(transcript.cues, rules, "second")
    if "json" in options.formats:
        files[f"{stem}.json"] = dumps(transcript)
    return files


def write_outputs(
    transcript: Transcript, out_dir: Path, stem: str, rules: CueRules, options: WriterOptions = WriterOptions()
) -> list[Path]:
    """Write every output file atomically; returns their paths (JSON last)."""
    files = render_outputs(transcript, stem, rules, options)
    written = []
    for name, text in files.items():
        target = Path(out_dir) / name
        atomic_write_text(target, text)
        written.append(target)
    return written


# --------------------------------------------------------------------------- strict reading


def parse_srt(text: str) -> list[ParsedCue]:
    """Parse SRT strictly with pysrt: a malformed cue is an error, never silently dropped."""
    import pysrt

    try:
        subs = pysrt.from_string(text, error_handling=pysrt.SubRipFile.ERROR_RAISE)
    except pysrt.Error as exc:
        raise SubtitleFormatError(f"malformed SRT: {exc}") from exc
    cues = [ParsedCue(item.index, item.start.ordinal, item.end.ordinal, tuple(item.text.split("\n"))) for item in subs]
    _check_parsed(cues, "SRT")
    return cues


def parse_vtt(text: str) -> list[ParsedCue]:
    """Parse WebVTT strictly with webvtt-py."""
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    try:
        captions = webvtt.from_string(text)
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise SubtitleFormatError(f"malformed WebVTT: {exc}") from exc
    cues = []
    for number, caption in enumerate(captions, 1):
        lines = tuple(line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") for line in caption.lines)
        cues.append(ParsedCue(number, _ms_of(caption.start), _ms_of(caption.end), lines))
    _check_parsed(cues, "WebVTT")
    return cues


def _ms_of(stamp: str) -> int:
    hours, minutes, rest = stamp.split(":")
    seconds, millis = rest.split(".")
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def _check_parsed(cues: list[ParsedCue], kind: str) -> None:
    previous_end = 0
    for expected, cue in enumerate(cues, 1):
        if cue.index != expected:
            raise SubtitleFormatError(f"malformed {kind}: cue {expected} is numbered {cue.index}")
        if cue.end_ms <= cue.start_ms or cue.start_ms < previous_end:
            raise SubtitleFormatError(f"malformed {kind}: cue {expected} has bad or overlapping times")
        previous_end = cue.end_ms
