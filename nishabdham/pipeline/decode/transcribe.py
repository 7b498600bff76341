"""Whisper transcription with faster-whisper, one VAD window at a time.

Each window of speech (see :mod:`nishabdham.pipeline.vad`) is decoded with word
timestamps and Whisper's hallucination safeguards on: temperature fallback
when a decode is too repetitive (compression ratio) or too unlikely (log
probability), the no-speech check, and skipping of long silent stretches
inside a window (``hallucination_silence_threshold``). The generator that
faster-whisper returns is consumed here, next to the model.

The language is decided from speech only, never from a music or silence intro.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from nishabdham.pipeline.audio import Audio
from nishabdham.pipeline.decode import encoder, fallback, hypotheses
from nishabdham.pipeline.decode.model import LoadedModel
from nishabdham.pipeline.decode.request import DecodeRequest, Planner
from nishabdham.pipeline.progress import Progress, null_progress
from nishabdham.pipeline.script import dominant_script
from nishabdham.pipeline.vad import SpeechRegion, VadOptions, Window, plan_windows, speech_regions, uncovered
from nishabdham.types import Segment, Word

log = logging.getLogger(__name__)

_DETECT_SECONDS = 30
_MAX_NEW_TOKENS = 220  # Whisper's 448-token context less the longest prompt faster-whisper keeps


@dataclass(frozen=True, slots=True)
class DecodeOptions:
    """Options of the Whisper decoding stage."""

    language: str = "auto"
    """``auto`` (detected from the speech), ``te``, ``en`` or any Whisper language code."""
    task: str = "transcribe"
    """``transcribe`` or ``translate`` (to English)."""
    beam_size: int = 5
    """Beam width of the decoder."""
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    """Temperature fallback schedule for windows that fail the checks below."""
    fallback: Literal["sample", "beam"] = "beam"
    """How the fallback steps decode: ``beam`` (a beam search with penalties per step: repeatable; the
    default since it read all 16 dev rows exactly as ``sample`` did) or ``sample`` (Whisper's sampling
    at each temperature; runs differ, see pipeline.decode.fallback)."""
    compression_ratio_threshold: float = 2.4
    """A decode more compressible than this (a repetition loop) is retried hotter."""
    log_prob_threshold: float = -1.0
    """A decode with a lower mean log probability is retried hotter."""
    no_speech_threshold: float = 0.6
    """With a low log probability, a window this likely to be silence yields nothing."""
    hallucination_silence_threshold: float = 2.0
    """Silent stretches longer than this (seconds) around suspect words are skipped."""
    condition_on_previous_text: bool = False
    """Within a window, feed the text decoded so far back as a prompt (off, as in WhisperX: it feeds repetition loops)."""
    initial_prompt: str = ""
    """Text given to the decoder before every window (style and vocabulary hint)."""
    hotwords: str = ""
    """Words the decoder should prefer (names, terms), given before every window."""
    min_missed_ms: int = 1000
    """A speech region at least this long that got no words is decoded again on its own (0: never)."""
    vad: VadOptions = field(default_factory=VadOptions)
    """Voice-activity detection and windowing."""

    def __post_init__(self) -> None:
        if self.fallback not in fallback.MODES:
            raise ValueError(f"decode.fallback must be one of {', '.join(fallback.MODES)}, not {self.fallback!r}")


@dataclass(frozen=True)
class Decoding:
    """The result of the transcription stage for one recording."""

    segments: tuple[Segment, ...]
    language: str
    language_probability: float
    regions: tuple[SpeechRegion, ...]
    windows: tuple[Window, ...]

    @property
    def speech_ms(self) -> int:
        return sum(r.end_ms - r.start_ms for r in self.regions)


def transcribe(
    model: LoadedModel | Callable[[], LoadedModel],
    audio: Audio,
    options: DecodeOptions,
    planner: Planner,
    progress: Progress = null_progress,
) -> Decoding:
    """Decode all speech in ``audio``; windows are planned from the VAD regions, each decoded as ``planner`` asks.

    ``model`` may be a function that loads it: a recording without speech then
    never loads the model at all.
    """
    regions = speech_regions(audio.samples, audio.sample_rate, options.vad)
    windows = plan_windows(regions, options.vad)
    if not windows:
        progress("transcribe", 1.0)
        return Decoding((), _fixed_language(options), 0.0, tuple(regions), ())
    if not isinstance(model, LoadedModel):
        model = model()
    # The planner decides per window; with ``auto`` it asks Whisper to detect the language per
    # segment, and the runner names the recording's language from the words that come back.
    language, probability = options.language or "auto", 1.0 if options.language not in ("", "auto") else 0.0
    requests = [(window, planner(window, language)) for window in windows]
    segments = decode_windows(model, audio, requests, options, lambda fraction: progress("transcribe", fraction))
    missed = uncovered(regions, segments, options.min_missed_ms)
    if missed:  # Whisper sometimes skips speech inside a full window: decode what it skipped again
        log.info("%d speech regions got no words; decoding them again", len(missed))
        again = [(window, planner(window, language)) for window in plan_windows(missed, options.vad)]
        segments.extend(decode_windows(model, audio, again, options))
        segments.sort(key=lambda s: (s.start_ms, s.end_ms))
    return Decoding(tuple(segments), language, probability, tuple(regions), tuple(windows))


def window_audio(audio: Audio, window: Window) -> np.ndarray:
    """The samples the decoder gets for ``window``: its regions back to back, spacers between."""
    spacer = np.zeros(window.spacer_ms * audio.sample_rate // 1000, dtype=np.float32)
    pieces: list[np.ndarray] = []
    for i, region in enumerate(window.regions):
        if i:
            pieces.append(spacer)
        pieces.append(audio.slice_ms(region.start_ms, region.end_ms))
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)


def decode_windows(
    model: LoadedModel,
    audio: Audio,
    requests: list[tuple[Window, DecodeRequest]],
    options: DecodeOptions,
    progress: Callable[[float], None] = lambda fraction: None,
) -> list[Segment]:
    """Decode several windows, ``model.workers`` at a time; segments come back in window order.

    Windows are independent (no conditioning on previous text), so decoding them side by side
    changes nothing in the result. On a CPU, two one-thread workers decode about twice as fast
    as one two-thread worker (bench/bench_transcribe.py): Whisper's matrices are too small for
    CTranslate2's threads to keep both cores busy. ``progress`` gets the share of the windows'
    audio decoded so far, always from the calling thread.
    """
    total = sum(window.duration_ms for window, _ in requests) or 1
    decoded = [0] * len(requests)  # ms of each window decoded so far, written by the decoding threads
    parallel = model.workers > 1 and len(requests) > 1

    def run(i: int) -> list[Segment]:
        window, request = requests[i]

        def advanced(ms: int) -> None:
            decoded[i] = max(decoded[i], min(ms, window.duration_ms))
            if not parallel:
                progress(sum(decoded) / total)

        segments = decode_window(model, audio, window, request, options, advanced)
        advanced(window.duration_ms)
        return segments

    if not parallel:
        return [segment for i in range(len(requests)) for segment in run(i)]
    with ThreadPoolExecutor(max_workers=model.workers, thread_name_prefix="decode") as pool:
        futures = [pool.submit(run, i) for i in range(len(requests))]
        pending: set = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.5)
            progress(sum(decoded) / total)
    return [segment for future in futures for segment in future.result()]


def decode_window(
    model: LoadedModel,
    audio: Audio,
    window: Window,
    request: DecodeRequest,
    options: DecodeOptions,
    advanced: Callable[[int], None] | None = None,
) -> list[Segment]:
    """Decode one window; times come back in the recording's time base (ms).

    ``advanced`` hears, after each segment, how far into the window (ms) decoding has got.
    """
    encoder.install(model.whisper)
    fallback.install(model.whisper)
    with fallback.mode(options.fallback):
        if request.hypotheses > 1:
            hypotheses.install(model.whisper)
            with hypotheses.recording(request.hypotheses) as calls:
                out = _decode_window(model, audio, window, request, options, advanced)
            return hypotheses.with_alternatives(out, calls)
        return _decode_window(model, audio, window, request, options, advanced)


def _decode_window(model, audio, window, request, options, advanced) -> list[Segment]:
    raw_segments, _info = model.whisper.transcribe(
        window_audio(audio, window),
        language=request.language,
        task=request.task,
        beam_size=request.beam_size or options.beam_size,
        temperature=list(request.temperatures or options.temperatures),
        compression_ratio_threshold=options.compression_ratio_threshold,
        log_prob_threshold=options.log_prob_threshold if request.safeguards else None,
        no_speech_threshold=options.no_speech_threshold if request.safeguards else None,
        condition_on_previous_text=options.condition_on_previous_text,
        initial_prompt=request.initial_prompt or None,
        hotwords=request.hotwords or None,
        word_timestamps=True,
        hallucination_silence_threshold=options.hallucination_silence_threshold if request.safeguards else None,
        vad_filter=False,
        multilingual=request.multilingual,
        suppress_tokens=list(request.suppress_tokens),
        max_new_tokens=_token_budget(request, window),
    )
    language = request.language or ""
    out: list[Segment] = []
    for raw in raw_segments:  # consumed here, where the model lives
        segment = _to_segment(raw, window, language, request.strategy)
        if segment is not None:
            out.extend(split_at_regions(segment, window))
        if advanced is not None:
            advanced(_ms(raw.end))
    return out


def _token_budget(request: DecodeRequest, window: Window) -> int | None:
    """New tokens allowed per 30 s chunk: room for fast speech, never the model's whole context."""
    if request.tokens_per_second is None:
        return None
    seconds = min(30.0, window.duration_ms / 1000)
    return max(32, min(_MAX_NEW_TOKENS, 24 + math.ceil(request.tokens_per_second * seconds)))


def split_at_regions(segment: Segment, window: Window) -> list[Segment]:
    """One segment per speech region it covers: a segment never spans a pause that was cut out,
    so later checks (language, hallucination) look at one continuous stretch of speech."""
    if len(window.regions) < 2 or not segment.words:
        return [segment]
    bounds = [r.end_ms for r in window.regions[:-1]]
    groups: dict[int, list[Word]] = {}
    for word in segment.words:
        index = bisect.bisect_left(bounds, word.start_ms)
        groups.setdefault(index, []).append(word)
    if len(groups) == 1:
        return [segment]
    return [
        replace(segment, words=tuple(words), text=" ".join(w.text for w in words), start_ms=words[0].start_ms,
                end_ms=max(w.end_ms for w in words), source_text=" ".join(w.text for w in words))
        for _, words in sorted(groups.items())
    ]  # fmt: skip


def detect_languages(model: LoadedModel, samples: np.ndarray, sample_rate: int = 16000) -> dict[str, float]:
    """Whisper's language probabilities for some audio (at most its first 30 s).

    The audio is encoded exactly as a decode of the same samples encodes its first 30 s, through
    the model's encoder cache (:func:`nishabdham.pipeline.decode.encoder.install`): a re-decode of a
    stretch just checked (romanizing, or as plain English) then reuses the encoder's work, unless
    the check ran in a short context (:func:`nishabdham.pipeline.decode.encoder.short_context`).
    """
    from faster_whisper.audio import pad_or_trim

    samples = samples[: _DETECT_SECONDS * sample_rate]  # the stage's stretches are windows of at most 30 s
    if len(samples) < sample_rate // 2:
        samples = np.pad(samples, (0, sample_rate // 2 - len(samples)))
    whisper = model.whisper
    encoder.install(whisper)
    features = whisper.feature_extractor(samples)
    frames = whisper.feature_extractor.nb_max_frames
    encoded = whisper.encode(pad_or_trim(features[:, : min(frames, features.shape[-1] - 1)]))
    results = whisper.model.detect_language(encoded)[0]
    return {token[2:-2]: float(probability) for token, probability in results}


def latin_only_tokens(model: LoadedModel) -> tuple[int, ...]:
    """Token ids with letters outside the Latin script: suppressing them makes Whisper romanize."""
    import regex

    tokenizer = model.whisper.hf_tokenizer
    latin = regex.compile(r"^[\p{Latin}\p{Common}\p{Inherited}\s]*$")
    out = [-1]
    for token in range(tokenizer.get_vocab_size()):
        text = tokenizer.decode([token])
        if not text.startswith("<|") and ("\ufffd" in text or not latin.match(text)):
            out.append(token)
    return tuple(out)


def _to_segment(raw, window: Window, language: str, strategy: str) -> Segment | None:
    words = []
    for w in raw.words or []:
        text = w.word.strip()
        if not text:
            continue
        start = window.to_original(_ms(w.start), "start")
        end = max(start, window.to_original(_ms(w.end), "end"))
        words.append(Word(start, end, text, round(float(w.probability), 4), script=dominant_script(text)))
    text = raw.text.strip()
    if not text or not words:
        return None
    return Segment(
        start_ms=words[0].start_ms,
        end_ms=max(w.end_ms for w in words),
        text=text,
        words=tuple(words),
        language=language,
        script=dominant_script(text),
        avg_logprob=round(float(raw.avg_logprob), 4),
        no_speech_prob=round(float(raw.no_speech_prob), 4),
        compression_ratio=round(float(raw.compression_ratio), 4),
        temperature=float(raw.temperature or 0.0),
        source_text=text,
        decode_language=language,
        strategy=strategy,
    )


def _fixed_language(options: DecodeOptions) -> str:
    return "" if options.language in ("", "auto") else options.language


def _ms(seconds: float) -> int:
    return max(0, int(round(seconds * 1000)))
