"""The pipeline for one recording: normalize, transcribe, post-process, segment, write.

:class:`Pipeline` holds the model (loaded once, on first need) and the options
of every stage, so the CLI, a worker process and the evaluation all run
exactly the same code over many recordings.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.types import Transcript, to_jsonable
from pipeline.audio import NormalizeOptions, load_audio, with_speech
from pipeline.diarize import DiarizeOptions, finish_cues
from pipeline.model import LoadedModel, ModelOptions, load_model
from pipeline.progress import JobProgress, Progress, null_progress
from pipeline.segment import SegmentOptions, build_cues
from pipeline.subtitles import WriterOptions, write_outputs
from pipeline.transcribe import TranscribeOptions, transcribe

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """The options of every stage, as one object (built from settings at the edge)."""

    model: ModelOptions = field(default_factory=ModelOptions)
    normalize: NormalizeOptions = field(default_factory=NormalizeOptions)
    transcribe: TranscribeOptions = field(default_factory=TranscribeOptions)
    segment: SegmentOptions = field(default_factory=SegmentOptions)
    writer: WriterOptions = field(default_factory=WriterOptions)
    second_line: str = "none"
    """``translit`` (ISO 15919 transliteration), ``translation`` (English), or ``none``."""
    diarize: DiarizeOptions = field(default_factory=DiarizeOptions)

    def output_settings(self) -> dict:
        """The settings that change the output (hashed to identify a job)."""
        data = to_jsonable(self)
        data["model"].pop("models_dir", None)
        data["model"].pop("cpu_threads", None)
        return data


class Pipeline:
    """Runs the stages for one recording at a time, loading the model once."""

    def __init__(self, options: PipelineOptions = PipelineOptions(), model: LoadedModel | None = None) -> None:
        self.options = options
        self._model = model

    @property
    def model(self) -> LoadedModel:
        if self._model is None:
            self._model = load_model(self.options.model)
        return self._model

    def run(self, path: str | Path, progress: Progress = null_progress) -> Transcript:
        """Transcribe one recording into a :class:`Transcript` (nothing written)."""
        progress = JobProgress(progress)
        timings: dict[str, int] = {}
        clock = _Clock(timings)
        opts = self.options
        with clock("normalize"):
            audio = load_audio(path, opts.normalize)
        progress("normalize", 1.0)
        with clock("transcribe"):
            decoding = transcribe(lambda: self.model, audio, opts.transcribe, progress)
        audio = with_speech(audio, decoding.speech_ms)
        segments = decoding.segments
        progress("codeswitch", 1.0)
        with clock("segment"):
            words = [w for s in segments for w in s.words]
            cues = build_cues(words, opts.segment.rules, audio.duration_ms)
        progress("segment", 1.0)
        with clock("speakers"):  # no cue over music, applause or silence; speaker labels (--diarize)
            cues = finish_cues(cues, audio.samples, audio.sample_rate, decoding.regions, opts.diarize, opts.segment.rules)
        warnings = list(audio.warnings)
        if not cues:
            why = "the recording is silent" if audio.report.input_loudness_lufs is None else "no speech detected"
            warnings.append(f"no speech found ({why}): the subtitles are empty")
        return Transcript(
            source=str(path),
            duration_ms=audio.duration_ms,
            language=decoding.language,
            language_probability=round(decoding.language_probability, 4),
            model=self._model.name if self._model else opts.model.model,
            settings={**opts.output_settings(), "model_info": self._model.describe() if self._model else {}},
            audio=audio.report,
            segments=tuple(segments),
            cues=tuple(cues),
            warnings=tuple(warnings),
            timings_ms=timings,
        )

    def run_to_files(
        self, path: str | Path, out_dir: str | Path, stem: str | None = None, progress: Progress = null_progress
    ) -> tuple[Transcript, list[Path]]:
        """Transcribe and write every requested format to ``out_dir/<stem>.<format>``."""
        transcript = self.run(path, progress)
        started = time.perf_counter()
        written = write_outputs(
            transcript, Path(out_dir), stem or Path(path).stem, self.options.segment.rules, self.options.writer
        )
        progress("write", 1.0)
        log.info("wrote %d files for %s in %.2f s", len(written), path, time.perf_counter() - started)
        return transcript, written


class _Clock:
    """Context manager that records each stage's wall time in milliseconds."""

    def __init__(self, timings: dict[str, int]) -> None:
        self.timings = timings

    def __call__(self, stage: str) -> "_Clock":
        self._stage = stage
        return self

    def __enter__(self) -> None:
        self._t0 = time.perf_counter()

    def __exit__(self, *exc) -> None:
        self.timings[self._stage] = int(round(1000 * (time.perf_counter() - self._t0)))
