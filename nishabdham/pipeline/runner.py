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

from nishabdham.pipeline.audio import Audio, NormalizeOptions, load_audio, with_speech
from nishabdham.pipeline.codeswitch import CodeSwitcher, CodeSwitchOptions, second_line
from nishabdham.pipeline.codeswitch.stage import LOST
from nishabdham.pipeline.cues.segment import SegmentOptions, build_cues
from nishabdham.pipeline.cues.subtitles import WriterOptions, write_outputs
from nishabdham.pipeline.decode import encoder
from nishabdham.pipeline.decode.model import LoadedModel, ModelOptions, load_model
from nishabdham.pipeline.decode.transcribe import (
    DecodeRequest,
    Decoding,
    TranscribeOptions,
    decode_windows,
    detect_languages,
    latin_only_tokens,
    transcribe,
    window_audio,
)
from nishabdham.pipeline.known_text.align import text_cues
from nishabdham.pipeline.known_text.verse import PoemText
from nishabdham.pipeline.progress import JobProgress, Progress, null_progress, step_weights
from nishabdham.pipeline.speakers.diarize import DiarizeOptions, finish_cues
from nishabdham.pipeline.vad import SpeechRegion, Window, plan_windows
from nishabdham.types import Cue, Segment, Transcript, Word, to_jsonable

log = logging.getLogger(__name__)

SECOND_LINES = ("translit", "translation", "none")
_REDECODE_TOKENS_PER_S = 12.0  # romanized Telugu runs at 5.5 tokens/s (median), 7.4 at most, on the dev recordings


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """The options of every stage, as one object (built from settings at the edge)."""

    model: ModelOptions = field(default_factory=ModelOptions)
    normalize: NormalizeOptions = field(default_factory=NormalizeOptions)
    transcribe: TranscribeOptions = field(default_factory=TranscribeOptions)
    codeswitch: CodeSwitchOptions = field(default_factory=CodeSwitchOptions)
    segment: SegmentOptions = field(default_factory=SegmentOptions)
    writer: WriterOptions = field(default_factory=WriterOptions)
    second_line: str = "translit"
    """``translit`` (ISO 15919 transliteration), ``translation`` (English, from Whisper's translate task), or ``none``."""
    diarize: DiarizeOptions = field(default_factory=DiarizeOptions)

    def output_settings(self) -> dict:
        """The settings that change the output (hashed to identify a job)."""
        data = to_jsonable(self)
        data["model"].pop("models_dir", None)
        data["model"].pop("cpu_threads", None)
        data["model"].pop("decode_workers", None)
        return data


class Pipeline:
    """Runs the stages for one recording at a time, loading the model and word list once."""

    def __init__(self, options: PipelineOptions = PipelineOptions(), model: LoadedModel | None = None) -> None:
        self.options = options
        self._model = model
        self._latin_only: tuple[int, ...] | None = None
        self.codeswitch = CodeSwitcher(options.codeswitch, options.model.models_dir)

    @property
    def model(self) -> LoadedModel:
        if self._model is None:
            self._model = load_model(self.options.model)
        return self._model

    def run(self, path: str | Path, progress: Progress = null_progress, text: PoemText | None = None) -> Transcript:
        """Transcribe one recording into a :class:`Transcript` (nothing written); ``text``: its given text."""
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
            decoding = transcribe(lambda: self.model, audio, opts.transcribe, progress, self._plan)
        audio = with_speech(audio, decoding.speech_ms)
        with clock("codeswitch"):
            segments, removed = self.codeswitch.process(
                decoding.segments, decoding.regions, decoding.language, _Redecoder(self, audio, decoding.regions)
            )
        progress("codeswitch", 1.0)
        with clock("segment"):
            cues = self._cues(segments, audio)
        alignment = self._align(text, segments, audio, decoding.regions, clock) if text is not None else None
        if alignment is not None:
            cues = alignment[0]
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
        t = self.options.transcribe
        base = DecodeRequest(language, t.initial_prompt, t.hotwords, t.task, "native")
        return self.codeswitch.planner(self.model.name, base)(window, language)

    def latin_only_tokens(self) -> tuple[int, ...]:
        if self._latin_only is None:
            self._latin_only = latin_only_tokens(self.model)
        return self._latin_only

    def _cues(self, segments: list[Segment], audio: Audio) -> list[Cue]:
        words = [w for s in segments for w in s.words]
        mode = self.options.second_line
        second = second_line if mode == "translit" else (lambda text: "") if mode == "translation" else None
        return build_cues(words, self.options.segment.rules, audio.duration_ms, second)

    def _align(self, text: PoemText, segments, audio: Audio, regions, clock: _Clock) -> tuple[list[Cue], dict]:
        """The given text aligned to the heard words (issue 14): text cues, heard cues, the report."""
        mode = self.options.second_line
        second = second_line if mode == "translit" else (lambda line: "") if mode == "translation" else None
        pad = self.options.transcribe.vad.speech_pad_ms
        with clock("align"):
            return text_cues(text, segments, self.options.segment.rules, audio.duration_ms, second, regions, pad)

    def _translate(self, audio: Audio, decoding: Decoding, progress: Progress = null_progress) -> list[Word]:
        """English words with times, from Whisper's translate task over the same windows."""
        t = self.options.transcribe
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
        if not cues:
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


class _Redecoder:
    """Lets the code-switch stage decode one segment's audio again (see codeswitch.Redecoder).

    Only the speech inside the segment is decoded (its regions packed as in the first pass),
    never the music or silence between them.
    """

    def __init__(self, pipeline: Pipeline, audio: Audio, regions: tuple[SpeechRegion, ...]) -> None:
        self.pipeline, self.audio, self.regions = pipeline, audio, regions

    @property
    def workers(self) -> int:
        """Re-decodes that may run side by side (the model's decoding workers)."""
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
        return plan_windows(inside, self.pipeline.options.transcribe.vad)

    def _context(self):
        """Short encoder context for the stage's language checks (see pipeline.decode.encoder)."""
        return encoder.short_context() if self.pipeline.codeswitch.options.short_context else nullcontext()

    def _decode(
        self, segment: Segment, request: DecodeRequest, options: TranscribeOptions | None = None
    ) -> list[Segment]:
        p = self.pipeline
        options = options or p.options.transcribe
        return decode_windows(p.model, self.audio, [(w, request) for w in self._windows(segment)], options)

    def pivot(self, segment: Segment) -> list[Segment]:
        prompt = self.pipeline.codeswitch.options.prompt
        request = DecodeRequest(
            "en",
            prompt,
            strategy="native+pivot",
            temperatures=(0.0,),
            beam_size=1,
            tokens_per_second=_REDECODE_TOKENS_PER_S,
        )
        return self._decode(segment, request)

    def english_probability(self, segment: Segment) -> float:
        window = self._windows(segment)[0]
        with self._context():
            probabilities = detect_languages(self.pipeline.model, window_audio(self.audio, window))
        return float(probabilities.get("en", 0.0))

    def english(self, segment: Segment) -> list[Segment]:
        request = DecodeRequest(
            "en", strategy="pivot+english", temperatures=(0.0,), beam_size=1, tokens_per_second=_REDECODE_TOKENS_PER_S
        )
        return self._decode(segment, request)

    def rescue(self, segment: Segment, strategy: str) -> list[Segment]:
        """One region decoded alone with no cut-off: Whisper's no-speech and silence-skipping
        checks are what left it without words in the first place."""
        if strategy == "pivot":
            language, prompt = "en", self.pipeline.codeswitch.options.prompt
        else:
            language, prompt = "te", ""
        request = DecodeRequest(
            language,
            prompt,
            strategy=f"rescue+{strategy}",
            temperatures=(0.0, 0.4),
            beam_size=1,
            tokens_per_second=_REDECODE_TOKENS_PER_S,
        )
        options = replace(
            self.pipeline.options.transcribe,
            no_speech_threshold=None,
            log_prob_threshold=None,
            hallucination_silence_threshold=None,
        )
        return self._decode(segment, request, options)

    def romanize(self, segment: Segment) -> list[Segment]:
        prompt = self.pipeline.codeswitch.options.prompt
        request = DecodeRequest(
            "te",
            prompt,
            strategy="pivot+romanize",
            suppress_tokens=self.pipeline.latin_only_tokens(),
            temperatures=(0.0,),
            beam_size=1,
            tokens_per_second=_REDECODE_TOKENS_PER_S,
        )
        return self._decode(segment, request)


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
