"""Running the evaluation: the pipeline over every row of the manifests, then scoring.

Each row's audio is cut to its ``offset`` and ``duration`` with ffmpeg into a
temporary WAV, then :class:`nishabdham.pipeline.runner.Pipeline` runs on it exactly as
``nishabdham transcribe`` would (the model is loaded once). The decoder's
random seed is set before each row, but CTranslate2 seeds each decoding thread
only once, when it first samples: with Whisper's sampled temperature fallback
(``decode.fallback = "sample"``) runs can still differ; the default ``"beam"`` makes
them repeatable (docs/DETERMINISM.md). A row that cannot be run is reported with its manifest line
and the others go on; only a model that cannot be loaded stops everything.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from nishabdham.errors import AudioDecodeError, InputError, ManifestError, ModelError, NishabdhamError
from nishabdham.evaluation.evaluate import EvalRun, ManifestInfo, RowScore, build_run, failed_row, score_row
from nishabdham.evaluation.manifest import ManifestEntry, read_manifest
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.pipeline.known_text.verse import read_text

log = logging.getLogger(__name__)


def read_manifests(paths: Sequence[str | Path]) -> tuple[list[ManifestEntry], list[ManifestInfo], list[str]]:
    """Every usable row of every manifest, a summary of each manifest, and the numbered problems."""
    entries, infos, problems = [], [], []
    for path in map(Path, paths):
        try:
            found, bad = read_manifest(path)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except ManifestError as exc:  # one unreadable manifest: the others are still scored
            problems.append(str(exc))
            continue
        entries.extend(found)
        problems.extend(str(p) for p in bad)
        infos.append(ManifestInfo(path=str(path), sha256=digest, rows=len(found), problems=len(bad)))
    return entries, infos, problems


def evaluate(
    manifests: Sequence[str | Path],
    pipeline,
    *,
    label: str = "",
    on_row: Callable[[RowScore], None] | None = None,
    tuned_on: Sequence[str] = (),
) -> EvalRun:
    """Read the manifests, transcribe and score every usable row, and build the run."""
    started = time.perf_counter()
    entries, infos, problems = read_manifests(manifests)
    rows, notes = transcribe_rows(entries, pipeline, on_row=on_row)
    options = pipeline.options
    return build_run(
        rows,
        manifests=infos,
        problems=problems + notes,
        model=options.model.model,
        settings=options.output_settings(),
        label=label,
        seconds=time.perf_counter() - started,
        tuned_on=tuned_on,
    )


def transcribe_rows(
    entries: Sequence[ManifestEntry], pipeline, *, on_row: Callable[[RowScore], None] | None = None, seed: int = 0
) -> tuple[list[RowScore], list[str]]:
    """Transcribe and score each row; a row that fails gets its error, a model failure stops all."""
    rows, notes = [], []
    rules = pipeline.options.segment.rules
    with tempfile.TemporaryDirectory(prefix="nishabdham-eval-") as folder:
        for index, entry in enumerate(entries):
            try:
                row = _run_row(entry, pipeline, Path(folder) / f"row-{index}.wav", rules, seed, notes)
            except ModelError:
                raise
            except NishabdhamError as exc:
                row = failed_row(entry, str(exc) if exc.path else f"{entry.audio}: {exc}")
                log.info("%s:%d: %s", entry.manifest, entry.line, row.error)
            rows.append(row)
            if on_row is not None:
                on_row(row)
    return rows, notes


def _run_row(entry: ManifestEntry, pipeline, clip: Path, rules: CueRules, seed: int, notes: list[str]) -> RowScore:
    import ctranslate2

    ctranslate2.set_random_seed(seed)  # reaches only decoding threads that have not sampled yet
    started = time.perf_counter()
    text = read_text(entry.text_file) if entry.text_file is not None else None
    try:
        audio = clip_audio(entry, clip)
        transcript = pipeline.run(audio, text=text) if text is not None else pipeline.run(audio)
    finally:
        clip.unlink(missing_ok=True)
    hypothesis = " ".join(c.text.replace("\n", " ") for c in transcript.cues)
    shift = int(round(entry.row.offset * 1000))
    cues = [replace(c, start_ms=c.start_ms + shift, end_ms=c.end_ms + shift) for c in transcript.cues]
    reference_cues = None
    if entry.reference_srt is not None:
        try:
            reference_cues = reference_cues_for(entry)
        except NishabdhamError as exc:
            notes.append(f"{entry.manifest}:{entry.line}: reference_srt {exc} (timing not scored)")
    score = score_row(
        entry,
        hypothesis,
        cues=cues,
        reference_cues=reference_cues,
        rules=rules,
        language=transcript.language,
        seconds=time.perf_counter() - started,
        text_given=text is not None,
    )
    if entry.reference_rttm is not None:
        score = score.model_copy(update={"speakers": speakers_for(entry, cues, notes)})
    return score


def speakers_for(entry: ManifestEntry, cues, notes: list[str]):
    """DER and JER of the row's cue speakers against its reference RTTM (None, with a note, when they cannot be)."""
    from nishabdham.evaluation.speakers import read_rttm, speaker_errors

    start = entry.row.offset
    end = start + entry.row.duration if entry.row.duration is not None else float("inf")
    try:
        return speaker_errors(read_rttm(entry.reference_rttm), cues, (start, end))
    except NishabdhamError as exc:
        notes.append(f"{entry.manifest}:{entry.line}: reference_rttm {exc} (speakers not scored)")
        return None


def reference_cues_for(entry: ManifestEntry) -> list:
    """The reference SRT's cues that overlap the row's stretch of the recording."""
    from nishabdham.pipeline.cues.subtitles import parse_srt

    path = entry.reference_srt
    try:
        cues = parse_srt(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot be read ({exc})", path=path) from exc
    except NishabdhamError as exc:
        raise type(exc)(exc.reason, path=path) from exc
    start = entry.row.offset * 1000
    end = start + entry.row.duration * 1000 if entry.row.duration is not None else float("inf")
    return [c for c in cues if c.end_ms > start and c.start_ms < end]


def clip_audio(entry: ManifestEntry, out: Path) -> Path:
    """The row's audio: the file itself, or its stretch from ``offset`` for ``duration`` cut into ``out``."""
    row = entry.row
    if not row.offset and row.duration is None:
        return entry.audio
    return cut_audio(entry.audio, out, row.offset, row.duration)


def cut_audio(
    source: Path, out: Path, offset: float = 0.0, duration: float | None = None, *, sample_rate: int | None = None
) -> Path:
    """Cut ``duration`` seconds from ``offset`` into a 16-bit WAV (mono at ``sample_rate`` when given)."""
    from nishabdham.pipeline.audio import ffmpeg_binary

    command = [ffmpeg_binary(), "-nostdin", "-v", "error", "-y", "-ss", f"{offset:.3f}", "-i", str(source)]
    if duration is not None:
        command += ["-t", f"{duration:.3f}"]
    if sample_rate:
        command += ["-ac", "1", "-ar", str(sample_rate)]
    command += ["-vn", "-map", "0:a:0", "-map_metadata", "-1", "-c:a", "pcm_s16le", "-f", "wav", str(out)]
    result = subprocess.run(command, capture_output=True)
    if result.returncode != 0:
        last = (result.stderr.decode("utf-8", "replace").strip().splitlines() or ["ffmpeg failed"])[-1]
        raise AudioDecodeError(f"cannot cut offset {offset:g} s / duration {duration} s: {last}", path=source)
    if _frames(out) == 0:
        raise InputError(f"offset {offset:g} s is at or past the end of the recording", path=source)
    return out


def _frames(path: Path) -> int:
    import soundfile

    try:
        return soundfile.info(str(path)).frames
    except RuntimeError:  # libsndfile cannot read a header without samples
        return 0
