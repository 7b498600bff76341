"""Domain data shared by every stage: words, segments, cues and the transcript.

Times are integer milliseconds everywhere (as in pysrt and pysubs2): no float
drift, exact round trips through SRT and WebVTT, and equality that means
something in tests. Everything here is a frozen dataclass; stages return new
objects instead of mutating old ones, so a stage's input is still there to
compare with (the review UI shows the machine's original beside the edit).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word with its timing.

    ``text`` is what the subtitles show; ``source`` is what the model wrote
    before post-processing (empty when unchanged); ``lang`` is ``te``, ``en`` or
    ``""`` (unknown); ``script`` is the writing system of ``text``.
    """

    start_ms: int
    end_ms: int
    text: str
    probability: float = 1.0
    source: str = ""
    lang: str = ""
    script: str = ""

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another reading of a segment that Whisper's beam search held (n-best), timed on its words.

    ``logprob`` is its log probability minus the best reading's (at most 0).
    """

    words: tuple[Word, ...]
    logprob: float

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of speech as the recogniser returned it, with its words.

    ``decode_language`` is the language token the decoder was run with and
    ``strategy`` how this segment reached its final text (for example
    ``native`` or ``pivot+restore``); both go into the JSON so that a reviewer
    and the evaluation can see how every line was produced.
    """

    start_ms: int
    end_ms: int
    text: str
    words: tuple[Word, ...] = ()
    language: str = ""
    script: str = ""
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 0.0
    temperature: float = 0.0
    source_text: str = ""
    decode_language: str = ""
    strategy: str = ""
    alternatives: tuple[Alternative, ...] = ()
    """The beam's other readings of this segment, while the code-switch stage rescores them (then empty)."""


@dataclass(frozen=True, slots=True)
class Cue:
    """One subtitle: what is on screen from ``start_ms`` to ``end_ms``.

    ``text`` is the primary line (Telugu script, English words per policy); an
    explicit ``\\n`` in it is a line break chosen by an editor, otherwise line
    breaks are laid out by :func:`nishabdham.pipeline.cues.rules.layout_lines`. ``second`` is
    the English-readable second line (transliteration or translation).
    """

    start_ms: int
    end_ms: int
    text: str
    second: str = ""
    speaker: str = ""
    words: tuple[Word, ...] = ()
    origin: str = ""
    """With a given text (``--text``): ``text`` (the cue shows the given text) or ``heard`` (speech not in the text);
    with a poem library (``--library``): ``library:<poem id>:<line>`` (the 1-based verse line of a library poem) or
    ``heard``;
    ``mixed`` when a reviewer merged a cue of each. Kept through every later step (speaker splits, review edits):
    a reviewer's edit of a ``text`` cue leaves it ``text`` and lists the change in ``edited``."""
    confidence: float | None = None
    """Alignment confidence of a cue from the given text (1.0: the heard sounds match the text exactly).

    The aligner's, never a reviewer's: a split keeps it, a merge keeps the lower of the two."""
    edited: tuple[str, ...] = ()
    """What reviewers changed of the machine's cue: any of ``times``, ``text``, ``second``, ``speaker``
    (empty: as the pipeline made it). Set on approved subtitles (see ``review_ui.editing.ReviewCue.as_cue``)."""

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True, slots=True)
class Removal:
    """A piece of recognised text that a guard removed, and why."""

    start_ms: int
    end_ms: int
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class AudioReport:
    """What normalization measured and did to a recording."""

    source_format: str = ""
    source_sample_rate: int = 0
    source_channels: int = 0
    duration_ms: int = 0
    input_loudness_lufs: float | None = None
    output_loudness_lufs: float | None = None
    gain_db: float = 0.0
    dc_offset: float = 0.0
    peak_dbfs: float | None = None
    limited_samples: int = 0
    leading_silence_ms: int = 0
    trailing_silence_ms: int = 0
    speech_ms: int = 0


@dataclass(frozen=True, slots=True)
class Transcript:
    """Everything the pipeline produced for one recording.

    This is what ``<stem>.json`` holds: the model and settings used, the
    detected or forced language, segments with word timings, the language and
    script of each segment, what guards removed, warnings, and the final cues.
    """

    source: str
    duration_ms: int
    language: str
    language_probability: float
    model: str
    settings: dict[str, Any] = field(default_factory=dict)
    audio: AudioReport = field(default_factory=AudioReport)
    segments: tuple[Segment, ...] = ()
    cues: tuple[Cue, ...] = ()
    removed: tuple[Removal, ...] = ()
    warnings: tuple[str, ...] = ()
    timings_ms: dict[str, int] = field(default_factory=dict)
    schema_version: int = 1
    alignment: dict[str, Any] = field(default_factory=dict)
    """With a given text: the text file, its metre, and each line's placement (see pipeline.known_text.align)."""


def to_jsonable(obj: Any) -> Any:
    """Turn dataclasses (nested, with tuples) into plain JSON values.

    A dataclass with a ``jsonable()`` method gives its own (a review cue is stored flat, see
    :meth:`nishabdham.review_ui.editing.ReviewCue.jsonable`)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        own = getattr(obj, "jsonable", None)
        if own is not None:
            return own()
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    return obj


def dumps(obj: Any) -> str:
    """Serialize a domain object as pretty UTF-8 JSON (Telugu kept readable)."""
    return json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2) + "\n"


def from_jsonable(kind: type[T], data: Any) -> T:
    """Validate plain JSON data back into a domain dataclass (strict types)."""
    from pydantic import TypeAdapter

    return TypeAdapter(kind).validate_python(data)
