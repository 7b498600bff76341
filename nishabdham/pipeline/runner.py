"""The pipeline for one recording: normalize, transcribe, post-process, segment, write.

:class:`Pipeline` holds the model and the code-switch resources (loaded once,
on first need) and the options of every stage, so the CLI, a worker process
and the evaluation all run exactly the same code over many recordings.
"""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, get_args

from nishabdham.pipeline.audio import Audio, NormalizeOptions, load_audio, with_speech
from nishabdham.pipeline.codeswitch import CodeSwitcher, CodeSwitchOptions, second_line
from nishabdham.pipeline.codeswitch.hallucination import removals_summary
from nishabdham.pipeline.codeswitch.redecode import Redecodes
from nishabdham.pipeline.codeswitch.stage import LOST
from nishabdham.pipeline.cues.segment import SegmentOptions, build_cues
from nishabdham.pipeline.cues.subtitles import WriterOptions, write_outputs
from nishabdham.pipeline.decode import encoder
from nishabdham.pipeline.decode.model import LoadedModel, ModelOptions, load_model
from nishabdham.pipeline.decode.request import DecodeRequest
from nishabdham.pipeline.decode.transcribe import (
    DecodeOptions,
    Decoding,
    decode_windows,
    detect_languages,
    latin_only_tokens,
    transcribe,
    window_audio,
)
from nishabdham.pipeline.known_text.align import text_cues
from nishabdham.pipeline.known_text.library_cues import LibraryOptions, SearchableLibrary, library_cues, open_library
from nishabdham.pipeline.known_text.verse import PoemText
from nishabdham.pipeline.progress import JobProgress, Progress, null_progress, step_weights
from nishabdham.pipeline.speakers.diarize import DiarizeOptions, finish_cues
from nishabdham.pipeline.vad import SpeechRegion, Window, plan_windows
from nishabdham.types import Cue, Segment, Transcript, Word, to_jsonable

log = logging.getLogger(__name__)

#: What the second subtitle line holds: the ISO 15919 transliteration, Whisper's English translation, or nothing.
SecondLineMode = Literal["translit", "translation", "none"]
SECOND_LINES: tuple[str, ...] = get_args(SecondLineMode)


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """The options of every stage, as one object (built from settings at the edge)."""

    model: ModelOptions = field(default_factory=ModelOptions)
    normalize: NormalizeOptions = field(default_factory=NormalizeOptions)
    decode: DecodeOptions = field(default_factory=DecodeOptions)
    codeswitch: CodeSwitchOptions = field(default_factory=CodeSwitchOptions)
    segment: SegmentOptions = field(default_factory=SegmentOptions)
    writer: WriterOptions = field(default_factory=WriterOptions)
    second_line: SecondLineMode = "translit"
    """``translit`` (ISO 15919 transliteration), ``translation`` (English, from Whisper's translate task), or ``none``."""
    diarize: DiarizeOptions = field(default_factory=DiarizeOptions)
    library: LibraryOptions = field(default_factory=LibraryOptions)

    def output_settings(self) -> dict:
        """The settings that change the output: recorded in every transcript and evaluation run, and hashed
        (in :func:`identity_settings`'s form) to identify a job."""
        data = to_jsonable(self)
        data["library"].pop("cache_dir", None)
        data["model"].pop("models_dir", None)
        data["model"].pop("cpu_threads", None)
        data["model"].pop("decode_workers", None)
        return data


#: The decoding section's key in output settings before 4 December, when ``PipelineOptions`` called it
#: ``transcribe``; ``decode`` since, the name it always had in the settings (``[decode]``).
LEGACY_DECODE_KEY = "transcribe"


def identity_settings(settings: dict) -> dict:
    """Output settings in the form a job's id is hashed over: the decoding section under its legacy key.

    Job ids must not change with the key's name: a batch skips the jobs it finds done by id, so a job
    finished before 4 December must get the id it had then from the same settings.
    """
    return _renamed(settings, "decode", LEGACY_DECODE_KEY)


def current_settings(settings: dict) -> dict:
    """Output settings as any version recorded them (a stored job, a transcript's or an evaluation run's
    ``settings``), with the decoding section under ``decode`` (``transcribe`` before 4 December)."""
    return _renamed(settings, LEGACY_DECODE_KEY, "decode")


def _renamed(settings: dict, old: str, new: str) -> dict:
    """``settings`` with the section ``old`` under ``new`` (where both are there, ``new`` is kept)."""
    kept = {key: value for key, value in settings.items() if key != old}
    if old in settings and new not in settings:
        kept[new] = settings[old]
    return kept


class Pipeline:
    """Runs the stages for one recording at a time, loading the model and word list once."""

    def __init__(self, options: PipelineOptions = PipelineOptions(), model: LoadedModel | None = None) -> None:
        self.options = options
        self._model = model
        self._latin_only: tuple[int, ...] | None = None
        self._library: SearchableLibrary | None = None
        self.codeswitch = CodeSwitcher(options.codeswitch, options.model.models_dir)

    @property
    def model(self) -> LoadedModel:
        if self._model is None:
            self._model = load_model(self.options.model)
        return self._model

    def library(self) -> SearchableLibrary | None:
        """The poem library of the options with its index (read again when a file of it changed), or None."""
        self._library = open_library(self.options.library, self._library)
        return self._library

    def run(
        self,
        path: str | Path,
        progress: Progress = null_progress,
        text: PoemText | None = None,
        library: SearchableLibrary | None = None,
    ) -> Transcript:
        """Transcribe one recording into a :class:`Transcript` (nothing written).

        ``text``: its given text; else ``library`` (default: the options' library, if any): the poems of it
        that are read get their published text.
        """
        opts = self.options
        progress = JobProgress(
            progress, step_weights(speakers=bool(opts.diarize.pipeline), translate=opts.second_line == "translation")
        )
        timings: dict[str, int] = {}
        clock = _Clock(timings)
        with clock("normalize"):
            audio = load_audio(path, opts.normalize)
        progress("normalize", 1.0)
        with clock("transcribe"):
            decoding = transcribe(lambda: self.model, audio, opts.decode, self._plan, progress)
        audio = with_speech(audio, decoding.speech_ms)
        with clock("codeswitch"):
            segments, removed = self.codeswitch.process(
                decoding.segments,
                decoding.regions,
                decoding.language,
                Redecodes(_StretchDecoder(self, audio, decoding.regions), opts.codeswitch),
            )
        progress("codeswitch", 1.0)
        alignment = self._align(text, segments, audio, decoding.regions, clock) if text is not None else None
        if alignment is None and library is None and opts.library.folder:
            with clock("library_load"):  # read again only when a file of it changed; its index is kept on disk
                library = self.library()
        if alignment is None and library is not None:
            alignment = self._identify(library, segments, audio, decoding.regions, clock)
        with clock("segment"):  # with a given text or library poems, their aligned cues replace the heard ones
            cues = alignment[0] if alignment is not None else self._cues(segments, audio)
        progress("segment", 1.0)
        with clock("speakers"):  # no cue over music, applause or silence; speaker labels (--diarize)
            translit = second_line if opts.second_line == "translit" else None
            cues = finish_cues(
                cues,
                audio.samples,
                audio.sample_rate,
                decoding.regions,
                opts.diarize,
                opts.segment.rules,
                translit,
                models_dir=opts.model.models_dir,
            )
        progress("speakers", 1.0)
        if opts.second_line == "translation" and cues:
            with clock("translate"):
                cues = attach_translation(cues, self._translate(audio, decoding, progress))
        progress("translate", 1.0)
        transcript = self._transcript(path, audio, decoding, segments, cues, removed, timings)
        return transcript if alignment is None else replace(transcript, alignment=alignment[1])

    def run_to_files(
        self,
        path: str | Path,
        out_dir: str | Path,
        stem: str | None = None,
        progress: Progress = null_progress,
        text: PoemText | None = None,
    ) -> tuple[Transcript, list[Path]]:
        """Transcribe and write every requested format to ``out_dir/<stem>.<format>``."""
        transcript = self.run(path, progress, text)
        started = time.perf_counter()
        written = write_outputs(
            transcript, Path(out_dir), stem or Path(path).stem, self.options.segment.rules, self.options.writer
        )
        progress("write", 1.0)
        log.info("wrote %d files for %s in %.2f s", len(written), path, time.perf_counter() - started)
        return transcript, written

    # ------------------------------------------------------------------ stages

    def _plan(self, window: Window, language: str) -> DecodeRequest:
        t = self.options.decode
        base = DecodeRequest(language, t.initial_prompt, t.hotwords, t.task, "native")
        return self.codeswitch.planner(self.model.name, base)(window, language)

    def latin_only_tokens(self) -> tuple[int, ...]:
        if self._latin_only is None:
            self._latin_only = latin_only_tokens(self.model)
        return self._latin_only

    def _second_line(self):
        """What makes a cue's second line while cues are built: the transliteration, a blank to be filled
        by the translation, or nothing."""
        mode = self.options.second_line
        return second_line if mode == "translit" else (lambda text: "") if mode == "translation" else None

    def _cues(self, segments: list[Segment], audio: Audio) -> list[Cue]:
        words = [w for s in segments for w in s.words]
        return build_cues(words, self.options.segment.rules, audio.duration_ms, self._second_line())

    def _align(self, text: PoemText, segments, audio: Audio, regions, clock: _Clock) -> tuple[list[Cue], dict]:
        """The given text aligned to the heard words (issue 14): text cues, heard cues, the report."""
        second = self._second_line()
        pad = self.options.decode.vad.speech_pad_ms
        with clock("align"):
            return text_cues(text, segments, self.options.segment.rules, audio.duration_ms, second, regions, pad)

    def _identify(self, library: SearchableLibrary, segments, audio: Audio, regions, clock: _Clock):
        """The library poems read in the recording, their lines from the library, the rest heard (issue 22)."""
        second = self._second_line()
        pad = self.options.decode.vad.speech_pad_ms
        with clock("library"):
            return library_cues(library, segments, self.options.segment.rules, audio.duration_ms, second, regions, pad)

    def _translate(self, audio: Audio, decoding: Decoding, progress: Progress = null_progress) -> list[Word]:
        """English words with times, from Whisper's translate task over the same windows."""
        t = self.options.decode
        language = decoding.language if decoding.language not in ("", "auto", "en") else "te"
        request = DecodeRequest(language, "", "", "translate", "translate")
        requests = [(window, request) for window in decoding.windows]
        segments = decode_windows(self.model, audio, requests, t, lambda fraction: progress("translate", fraction))
        return [word for segment in segments for word in segment.words]

    def _transcript(self, path, audio, decoding, segments, cues, removed, timings) -> Transcript:
        warnings = list(audio.warnings)
        warnings += [
            f"{r.reason} at {r.start_ms / 1000:.1f}-{r.end_ms / 1000:.1f} s"
            for r in removed
            if r.reason.startswith(LOST)
        ]
        if not cues and removed and audio.report.input_loudness_lufs is not None:  # heard, but all removed
            warnings.append(f"no words kept (removed: {removals_summary(removed)}): the subtitles are empty")
        elif not cues:
            why = "the recording is silent" if audio.report.input_loudness_lufs is None else "no speech detected"
            warnings.append(f"no speech found ({why}): the subtitles are empty")
        opts = self.options
        return Transcript(
            source=str(path),
            duration_ms=audio.duration_ms,
            language=_recording_language(segments, decoding.language),
            language_probability=round(decoding.language_probability, 4),
            model=self._model.name if self._model else opts.model.model,
            settings={**opts.output_settings(), "model_info": self._model.describe() if self._model else {}},
            audio=audio.report,
            segments=tuple(segments),
            cues=tuple(cues),
            removed=tuple(removed),
            warnings=tuple(warnings),
            timings_ms=timings,
        )


class _StretchDecoder:
    """Decodes the speech under one segment again, for the code-switch stage (see codeswitch.redecode).

    Only the speech inside the segment is decoded (its regions packed as in the first pass),
    never the music or silence between them.
    """

    def __init__(self, pipeline: Pipeline, audio: Audio, regions: tuple[SpeechRegion, ...]) -> None:
        self.pipeline, self.audio, self.regions = pipeline, audio, regions

    @property
    def workers(self) -> int:
        return self.pipeline.model.workers

    def _windows(self, segment: Segment) -> list[Window]:
        """The speech under the segment: each region it touches, cut to the segment (+/- 200 ms)."""
        start, end = segment.start_ms - 200, segment.end_ms + 200
        inside = [
            SpeechRegion(max(r.start_ms, start), min(r.end_ms, end))
            for r in self.regions
            if r.end_ms > start and r.start_ms < end
        ]
        if not inside:
            return [Window.span(max(0, start), min(self.audio.duration_ms, end))]
        return plan_windows(inside, self.pipeline.options.decode.vad)

    def decode(self, segment: Segment, request: DecodeRequest) -> list[Segment]:
        p = self.pipeline
        return decode_windows(p.model, self.audio, [(w, request) for w in self._windows(segment)], p.options.decode)

    def english_probability(self, segment: Segment, short_context: bool) -> float:
        window = self._windows(segment)[0]
        with encoder.short_context() if short_context else nullcontext():
            probabilities = detect_languages(self.pipeline.model, window_audio(self.audio, window))
        return float(probabilities.get("en", 0.0))

    def latin_only_tokens(self) -> tuple[int, ...]:
        return self.pipeline.latin_only_tokens()


def _recording_language(segments: list[Segment], decoded: str) -> str:
    """The forced language, or what the words turned out to be: te, en, or te-en when both are substantial."""
    if decoded not in ("", "auto"):
        return decoded
    te = sum(1 for s in segments for w in s.words if w.lang == "te")
    en = sum(1 for s in segments for w in s.words if w.lang == "en")
    if not te + en:
        return ""
    if min(te, en) / (te + en) >= 0.2:
        return "te-en"
    return "te" if te > en else "en"


def attach_translation(cues: list[Cue], words: list[Word]) -> list[Cue]:
    """Give each cue, as its second line, the translated words whose middle falls closest to it."""
    if not words:
        return cues
    buckets: list[list[str]] = [[] for _ in cues]
    for word in words:
        middle = (word.start_ms + word.end_ms) // 2
        best = min(range(len(cues)), key=lambda i: _distance(cues[i], middle))
        buckets[best].append(word.text)
    return [replace(cue, second=" ".join(bucket)) for cue, bucket in zip(cues, buckets)]


def _distance(cue: Cue, t: int) -> int:
    return 0 if cue.start_ms <= t <= cue.end_ms else min(abs(cue.start_ms - t), abs(cue.end_ms - t))


class _Clock:
    """Context manager that records each stage's wall time in milliseconds."""

    def __init__(self, timings: dict[str, int]) -> None:
        self.timings = timings

    def __call__(self, stage: str) -> _Clock:
        self._stage = stage
        return self

    def __enter__(self) -> None:
        self._t0 = time.perf_counter()

    def __exit__(self, *exc) -> None:
        self.timings[self._stage] = int(round(1000 * (time.perf_counter() - self._t0)))
