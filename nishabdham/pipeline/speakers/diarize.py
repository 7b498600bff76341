"""Speakers and non-speech: who speaks each cue, and no cue over music, applause or silence.

Two things happen to the cues after segmentation:

* :func:`keep_out_of_nonspeech` ends a cue before a long stretch without speech (a
  cue may stay up a little for reading, never across the music between two poems);
* with a speaker-diarization pipeline (``DiarizeOptions.pipeline``: ``builtin``, the
  offline pipeline of :mod:`nishabdham.pipeline.speakers.builtin` (segmentation-3.0 and
  CAM++ embeddings in pyannote's ``SpeakerDiarization``), a local pyannote pipeline
  directory, or a model-hub name with a token where the hub is reachable),
  :func:`assign_speakers` gives every word the speaker whose turn it overlaps most,
  splits a cue where the speaker changes, and labels each cue (``SPEAKER_00`` ...).

Labels become names ("Host", a poet's name) only at export: :func:`name_speakers` with
the reviewer's mapping, and the prefix appears in the subtitles only with
``CueRules.speaker_prefix``. The pipeline is pyannote.audio's (the ``diarization``
extra), imported lazily and given the normalized waveform in memory, so no audio decoder
(torchcodec) is needed.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nishabdham.errors import ModelError
from nishabdham.pipeline.cues.rules import CueRules, SecondLine
from nishabdham.pipeline.cues.segment import retime
from nishabdham.pipeline.vad import SpeechRegion
from nishabdham.types import Cue, Word

log = logging.getLogger(__name__)

BUILTIN = "builtin"
"""``--diarize`` alone: the built-in offline pipeline (segmentation-3.0 + CAM++)."""


@dataclass(frozen=True, slots=True)
class DiarizeOptions:
    """Options of the speaker stage."""

    pipeline: str = ""
    """Speaker-diarization pipeline: `builtin` (segmentation-3.0 + CAM++, offline), a local pyannote pipeline directory (with config.yaml) or a model-hub name; empty: no diarization."""
    token_env: str = "HF_TOKEN"
    """Environment variable holding the model-hub token for a hub pipeline (never stored in outputs)."""
    num_speakers: int = 0
    """Number of speakers when known (a host and two poets: 3); 0 lets the pipeline decide."""
    min_speakers: int = 0
    """At least this many speakers (0: no lower bound); ignored when ``num_speakers`` is given."""
    max_speakers: int = 0
    """At most this many speakers (0: no upper bound); ignored when ``num_speakers`` is given."""
    threads: int = 1
    """torch threads while diarizing (0: torch's default); on 2 shared cores 1 thread ran 4-14x faster than 2 (README)."""
    nonspeech_ms: int = 2000
    """A stretch without speech at least this long (music, applause, silence) is never covered by a cue."""
    overhang_ms: int = 500
    """How long a cue may stay on screen into such a stretch, for reading time."""


@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    """One speaker talking from ``start_ms`` to ``end_ms`` (turns of two speakers may overlap)."""

    start_ms: int
    end_ms: int
    speaker: str


def finish_cues(
    cues: Sequence[Cue],
    samples: np.ndarray,
    sample_rate: int,
    regions: Sequence[SpeechRegion],
    options: DiarizeOptions,
    rules: CueRules,
    second_line: SecondLine | None = None,
    models_dir: str = "",
) -> list[Cue]:
    """The speaker stage: keep cues out of non-speech, then label speakers when asked to.

    ``second_line`` makes the second line of a cue split at a speaker change anew
    (a transliteration follows its text); without it such a cue is not split.
    ``models_dir`` is where the built-in pipeline's checkpoints are (empty: the installation's).
    """
    duration_ms = int(round(1000 * len(samples) / sample_rate))
    cues = keep_out_of_nonspeech(cues, regions, options, duration_ms)
    if options.pipeline and cues:
        turns = diarize(samples, sample_rate, options, models_dir)
        cues = assign_speakers(cues, turns, rules, duration_ms, second_line)
    return cues


# --------------------------------------------------------------------------- non-speech


def nonspeech_gaps(regions: Sequence[SpeechRegion], duration_ms: int, min_ms: int) -> list[tuple[int, int]]:
    """Stretches of at least ``min_ms`` with no speech region, the recording's edges included."""
    gaps, cursor = [], 0
    for region in sorted(regions, key=lambda r: r.start_ms):
        if region.start_ms - cursor >= min_ms:
            gaps.append((cursor, region.start_ms))
        cursor = max(cursor, region.end_ms)
    if duration_ms - cursor >= min_ms:
        gaps.append((cursor, duration_ms))
    return gaps


def keep_out_of_nonspeech(
    cues: Sequence[Cue], regions: Sequence[SpeechRegion], options: DiarizeOptions, duration_ms: int
) -> list[Cue]:
    """End every cue that runs into a long non-speech stretch at most ``overhang_ms`` into it.

    A cue never ends before its last word: words that the recogniser placed inside such a
    stretch are kept (and visible to a reviewer), only the reading-time extension is cut.
    """
    gaps = nonspeech_gaps(regions, duration_ms, options.nonspeech_ms)
    out = []
    for cue in cues:
        end = cue.end_ms
        for gap_start, _gap_end in gaps:
            if cue.start_ms < gap_start + options.overhang_ms < end:
                last_word = max((w.end_ms for w in cue.words), default=cue.start_ms + 1)
                end = max(gap_start + options.overhang_ms, last_word, cue.start_ms + 1)
        out.append(replace(cue, end_ms=min(end, cue.end_ms)))
    return out


# --------------------------------------------------------------------------- diarization


def diarize(samples: np.ndarray, sample_rate: int, options: DiarizeOptions, models_dir: str = "") -> list[SpeakerTurn]:
    """Run the diarization pipeline on the waveform in memory; speaker turns sorted by start."""
    pipeline = load_pipeline(options.pipeline, options.token_env, models_dir)
    import torch

    from nishabdham.pipeline.speakers.pyannote_models import torch_threads

    waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None]
    kwargs = speaker_counts(options)
    try:
        with torch_threads(options.threads):
            output = pipeline({"waveform": waveform, "sample_rate": sample_rate}, **kwargs)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"the diarization pipeline failed on this recording ({exc})", path=options.pipeline) from exc
    return turns_of(output)


def speaker_counts(options: DiarizeOptions) -> dict[str, int]:
    """The pipeline's ``num_speakers`` / ``min_speakers`` / ``max_speakers`` arguments, those that are set."""
    if options.num_speakers > 0:
        return {"num_speakers": options.num_speakers}
    counts = {"min_speakers": options.min_speakers, "max_speakers": options.max_speakers}
    return {k: v for k, v in counts.items() if v > 0}


def turns_of(output: Any) -> list[SpeakerTurn]:
    """Speaker turns from a pipeline's output: a pyannote Annotation, or pyannote 4's DiarizeOutput."""
    from pyannote.core import Annotation

    annotation = output
    if not isinstance(annotation, Annotation):
        annotation = getattr(output, "exclusive_speaker_diarization", None) or getattr(
            output, "speaker_diarization", None
        )
    if not isinstance(annotation, Annotation):
        raise ModelError(f"the diarization pipeline returned {type(output).__name__}, not a pyannote Annotation")
    turns = [
        SpeakerTurn(int(round(1000 * segment.start)), int(round(1000 * segment.end)), str(label))
        for segment, _, label in annotation.itertracks(yield_label=True)
    ]
    return sorted(turns, key=lambda t: (t.start_ms, t.end_ms, t.speaker))


@lru_cache(maxsize=2)
def load_pipeline(source: str, token_env: str = "HF_TOKEN", models_dir: str = "") -> Any:
    """Load a pyannote pipeline once per process: ``builtin``, a local directory, config file, or hub name."""
    from nishabdham.pipeline.speakers.pyannote_models import import_pyannote

    import_pyannote("--diarize")
    if source == BUILTIN:
        from nishabdham.pipeline.speakers.builtin import builtin_pipeline

        return builtin_pipeline(models_dir)
    from pyannote.audio import Pipeline

    path = Path(source).expanduser()
    local = path.exists() or not _looks_like_hub(source)
    if local:
        config = path / "config.yaml" if path.is_dir() else path
        if not config.is_file():
            raise ModelError(
                "is not a pyannote pipeline (no config.yaml); give a pipeline directory or a model-hub name",
                path=source,
            )
        token = None
    else:
        token = os.environ.get(token_env) or None
    try:
        pipeline = Pipeline.from_pretrained(str(path) if local else source, token=token)
    except Exception as exc:  # noqa: BLE001 - hub, yaml and torch errors all mean "cannot load"
        raise _pipeline_error(source, local, token_env, exc) from exc
    if pipeline is None:
        raise _pipeline_error(source, local, token_env, None)
    log.info("loaded diarization pipeline %s", source)
    return pipeline


def _looks_like_hub(source: str) -> bool:
    return source.count("/") == 1 and not source.startswith((".", "/", "~"))


def _pipeline_error(source: str, local: bool, token_env: str, exc: Exception | None) -> ModelError:
    why = f" ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})" if exc else ""
    if local:
        return ModelError(f"cannot load the diarization pipeline{why}", path=source)
    return ModelError(
        f"cannot load the diarization pipeline '{source}' from the model hub{why}: the hub must be reachable, "
        f"and gated pipelines need a token in ${token_env}; or download it where the hub is reachable "
        "and pass its local directory to --diarize"
    )


# --------------------------------------------------------------------------- speakers on cues


def word_speaker(word: Word, turns: Sequence[SpeakerTurn]) -> str:
    """The speaker whose turns overlap ``word`` most (the nearest within 1 s when none does)."""
    overlap: Counter[str] = Counter()
    for turn in turns:
        shared = min(word.end_ms, turn.end_ms) - max(word.start_ms, turn.start_ms)
        if shared > 0:
            overlap[turn.speaker] += shared
    if overlap:
        return sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    distance = [(max(turn.start_ms - word.end_ms, word.start_ms - turn.end_ms), turn.speaker) for turn in turns]
    near = [d for d in distance if d[0] <= 1000]
    return min(near)[1] if near else ""


def assign_speakers(
    cues: Sequence[Cue],
    turns: Sequence[SpeakerTurn],
    rules: CueRules,
    duration_ms: int | None = None,
    second_line: SecondLine | None = None,
) -> list[Cue]:
    """Label each cue with its speaker; a cue whose words change speaker is split there.

    A cue with a second line is split only when ``second_line`` can make the pieces'
    second lines; otherwise it takes the speaker of most of its speech.
    """
    out: list[Cue] = []
    for cue in cues:
        speakers = [word_speaker(w, turns) for w in cue.words]
        if not cue.words:
            out.append(replace(cue, speaker=word_speaker(Word(cue.start_ms, cue.end_ms, cue.text), turns)))
        elif (cue.second and second_line is None) or len(set(speakers)) == 1:
            out.append(replace(cue, speaker=_majority(cue.words, speakers)))
        else:
            pieces = _split_by_speaker(cue, speakers)
            if cue.second and second_line is not None:
                pieces = [replace(p, second=second_line(p.text)) for p in pieces]
            out.extend(pieces)
    return retime(out, rules, duration_ms) if len(out) != len(cues) else out


def _majority(words: Sequence[Word], speakers: Sequence[str]) -> str:
    time: Counter[str] = Counter()
    for word, speaker in zip(words, speakers):
        time[speaker] += max(word.duration_ms, 1)
    return sorted(time.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _split_by_speaker(cue: Cue, speakers: Sequence[str]) -> list[Cue]:
    pieces: list[Cue] = []
    start = 0
    for i in range(1, len(cue.words) + 1):
        if i == len(cue.words) or speakers[i] != speakers[start]:
            words = cue.words[start:i]
            end_ms = cue.end_ms if i == len(cue.words) else words[-1].end_ms
            text = " ".join(w.text for w in words)
            start_ms = words[0].start_ms if start else cue.start_ms
            # replace, not a new Cue: a piece keeps origin and confidence (the caller redoes the second line)
            pieces.append(
                replace(
                    cue, start_ms=start_ms, end_ms=end_ms, text=text, second="", speaker=speakers[start], words=words
                )
            )
            start = i
    return pieces


def speaker_labels(cues: Sequence[Cue]) -> list[str]:
    """The speaker labels of ``cues`` in order of first appearance (what a reviewer names)."""
    return list(dict.fromkeys(c.speaker for c in cues if c.speaker))


def name_speakers(cues: Sequence[Cue], names: Mapping[str, str]) -> list[Cue]:
    """Replace speaker labels by the names a reviewer gave them (unnamed labels stay)."""
    if not names:
        return list(cues)
    return [replace(c, speaker=names.get(c.speaker, c.speaker).strip()) if c.speaker else c for c in cues]
