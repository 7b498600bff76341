"""Evaluation results: score what the pipeline wrote for evaluation-set rows.

Scoring is pure (:func:`score_row`, :func:`summarize`, :func:`build_run`):
reference and hypothesis in, counts out, so it is tested without a model.
Running the pipeline over the rows lives in :mod:`nishabdham.evaluation.runner`.

An :class:`EvalRun` is the JSON an evaluation writes: the corpus figures at
top level (``n``, ``wer``, ``cer``, ``telugu_script_share`` ...), the same per
language and per reviewer's error tag, and every row with its word alignment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator

from nishabdham.errors import InputError
from nishabdham.evaluation.manifest import ManifestEntry
from nishabdham.evaluation.metrics import (
    AlignedSpan,
    ErrorCounts,
    TimingErrors,
    align_words,
    char_counts,
    cue_timing_errors,
    english_word_counts,
    rule_breaks,
    switch_points,
    telugu_letters,
    word_counts,
)
from nishabdham.evaluation.speakers import SpeakerErrors
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.pipeline.runner import current_settings

SCHEMA_VERSION = 1


class RowScore(BaseModel):
    """One evaluation-set row: what was expected, what came out, and the counts."""

    id: str = Field(description="folder/audio[@offset]: the same on every machine, used to match runs")
    manifest: str
    line: int
    audio: str
    offset: float = 0.0
    duration: float | None = None
    lang: str
    tags: list[str] = Field(default_factory=list)
    speaker: str = Field("", description="the manifest's speaker (empty when it names none)")
    reference: str
    hypothesis: str = ""
    language: str = Field("", description="language the pipeline decoded with")
    error: str | None = Field(None, description="why the row could not be transcribed (then it is not scored)")
    wer: float | None = None
    cer: float | None = None
    words: ErrorCounts = ErrorCounts()
    chars: ErrorCounts = ErrorCounts()
    english: ErrorCounts = ErrorCounts()
    switch_points: int = 0
    switch_recovered: int = 0
    telugu_letters: int = 0
    letters: int = 0
    cues: int = 0
    cues_breaking_rules: int = 0
    timing: TimingErrors | None = None
    speakers: SpeakerErrors | None = Field(
        None, description="DER and JER of the cues' speakers (rows with reference_rttm)"
    )
    alignment: list[AlignedSpan] = Field(
        default_factory=list, description="jiwer's word alignment of reference and hypothesis"
    )
    seconds: float = 0.0
    text_given: bool = Field(False, description="transcribed with the row's text_file (scored in by_text)")


class Scores(BaseModel):
    """Corpus figures over a set of scored rows (None where the rows give nothing to measure)."""

    n: int = 0
    wer: float | None = None
    cer: float | None = None
    telugu_script_share: float | None = Field(
        None, description="share of letters in Telugu script in the output for rows in Telugu (lang te)"
    )
    english_wer: float | None = Field(None, description="errors on the reference's Latin-script words")
    switch_point_accuracy: float | None = Field(
        None, description="Telugu/English switch points of code-switched references kept in the output"
    )
    start_error_ms: float | None = Field(None, description="mean absolute cue start error against reference subtitles")
    end_error_ms: float | None = None
    rule_break_share: float | None = Field(None, description="share of output cues breaking a subtitle rule")


class ManifestInfo(BaseModel):
    path: str
    sha256: str
    rows: int
    problems: int


class EvalRun(Scores):
    """What ``nishabdham eval`` writes: figures, groups, problems and every row."""

    schema_version: int = SCHEMA_VERSION
    created: str = ""
    label: str = ""
    model: str = ""
    evalset: str = Field(
        "", description="fingerprint of the rows (see evalset_fingerprint): runs on one evaluation-set version share it"
    )
    evalset_name: str = Field(
        "", description="the manifests' folder/file names: runs on one evaluation set (any version) share it"
    )
    settings: dict = Field(
        default_factory=dict,
        description="the pipeline's output settings (a run saved before 4 December has ``decode`` as ``transcribe``)",
    )
    manifests: list[ManifestInfo] = Field(default_factory=list)
    problems: list[str] = Field(
        default_factory=list, description="manifest lines and rows that could not be scored, with the reason"
    )
    failed: int = 0
    seconds: float = 0.0
    by_lang: dict[str, Scores] = Field(default_factory=dict)
    by_category: dict[str, Scores] = Field(default_factory=dict, description="per reviewer's error tag")
    by_speaker: dict[str, Scores] = Field(default_factory=dict, description="per speaker the manifests name")
    tuned_on: list[str] = Field(
        default_factory=list, description="speakers the tuned constants were chosen on (the tuning fold)"
    )
    held_out: Scores | None = Field(
        None,
        description="figures over the Telugu rows of speakers outside tuned_on: the fold no constant was chosen on",
    )
    by_text: dict[str, Scores] = Field(
        default_factory=dict, description="`text-given` (rows with a text_file) and `heard` rows, when any row has one"
    )
    rows: list[RowScore] = Field(default_factory=list)

    @field_validator("settings")
    @classmethod
    def _current_settings(cls, settings: dict) -> dict:
        """Settings of any version under today's keys, so runs before and after 4 December compare."""
        return current_settings(settings)


# --------------------------------------------------------------------------- scoring (pure)


def _base(entry: ManifestEntry) -> dict:
    row = entry.row
    return dict(
        id=entry.row_id,
        manifest=str(entry.manifest),
        line=entry.line,
        audio=str(entry.audio),
        offset=row.offset,
        duration=row.duration,
        lang=row.lang,
        tags=list(row.tags),
        speaker=row.speaker or "",
        reference=row.text,
    )


def score_row(
    entry: ManifestEntry,
    hypothesis: str,
    *,
    cues: Sequence = (),
    reference_cues: Sequence | None = None,
    rules: CueRules | None = None,
    language: str = "",
    seconds: float = 0.0,
    text_given: bool = False,
) -> RowScore:
    """Score one row's output. ``cues`` and ``reference_cues`` share one time base."""
    reference = entry.row.text
    words, chars = word_counts(reference, hypothesis), char_counts(reference, hypothesis)
    telugu, letters = telugu_letters(hypothesis)
    recovered, points = switch_points(reference, hypothesis)
    return RowScore(
        **_base(entry),
        hypothesis=hypothesis,
        language=language,
        wer=words.rate,
        cer=chars.rate,
        words=words,
        chars=chars,
        english=english_word_counts(reference, hypothesis),
        switch_points=points,
        switch_recovered=recovered,
        telugu_letters=telugu,
        letters=letters,
        cues=len(cues),
        cues_breaking_rules=rule_breaks(list(cues), rules or CueRules()) if cues else 0,
        timing=cue_timing_errors(reference_cues, cues) if reference_cues is not None else None,
        alignment=align_words(reference, hypothesis),
        seconds=round(seconds, 3),
        text_given=text_given,
    )


def failed_row(entry: ManifestEntry, message: str) -> RowScore:
    return RowScore(**_base(entry), error=message)


def summarize(rows: Iterable[RowScore]) -> Scores:
    """Corpus figures over the scored rows (failed rows are left out)."""
    rows = [r for r in rows if r.error is None]
    words = sum((r.words for r in rows), ErrorCounts())
    chars = sum((r.chars for r in rows), ErrorCounts())
    english = sum((r.english for r in rows), ErrorCounts())
    telugu = [r for r in rows if r.lang == "te"]
    letters = sum(r.letters for r in telugu)
    points = sum(r.switch_points for r in rows)
    timing = sum((r.timing for r in rows if r.timing is not None), TimingErrors())
    cues = sum(r.cues for r in rows)
    return Scores(
        n=len(rows),
        wer=_round(words.rate),
        cer=_round(chars.rate),
        telugu_script_share=_round(
            sum(r.telugu_letters for r in telugu) / letters if letters else (1.0 if telugu else None)
        ),
        english_wer=_round(english.rate),
        switch_point_accuracy=_round(sum(r.switch_recovered for r in rows) / points if points else None),
        start_error_ms=_round(timing.mean_start_ms, 1),
        end_error_ms=_round(timing.mean_end_ms, 1),
        rule_break_share=_round(sum(r.cues_breaking_rules for r in rows) / cues if cues else None),
    )


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def grouped(rows: Sequence[RowScore], keys: Callable[[RowScore], Iterable[str]]) -> dict[str, Scores]:
    """Figures per group; a row may belong to several groups (its tags)."""
    groups: dict[str, list[RowScore]] = {}
    for row in rows:
        for key in keys(row):
            groups.setdefault(key, []).append(row)
    return {key: summarize(members) for key, members in sorted(groups.items())}


def build_run(
    rows: Sequence[RowScore],
    *,
    manifests: Sequence[ManifestInfo] = (),
    problems: Sequence[str] = (),
    model: str = "",
    settings: dict | None = None,
    label: str = "",
    seconds: float = 0.0,
    tuned_on: Sequence[str] = (),
) -> EvalRun:
    """Put rows and problems together into one run with all its figures.

    With ``tuned_on`` (the speakers constants were chosen on), ``held_out`` scores the
    Telugu rows of every other named speaker: the figure a new voice can expect.
    """
    fingerprint = evalset_fingerprint(rows)
    unseen = [r for r in rows if r.speaker and r.speaker not in tuned_on and r.lang == "te"]
    return EvalRun(
        **summarize(rows).model_dump(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        label=label,
        model=model,
        evalset=fingerprint,
        evalset_name=" + ".join(sorted(f"{Path(m.path).parent.name}/{Path(m.path).name}" for m in manifests)),
        settings=settings or {},
        manifests=list(manifests),
        problems=list(problems) + [f"{r.manifest}:{r.line}: {r.error}" for r in rows if r.error],
        failed=sum(1 for r in rows if r.error),
        seconds=round(seconds, 1),
        by_lang=grouped(rows, lambda r: [r.lang]),
        by_category=grouped(rows, lambda r: r.tags),
        by_speaker=grouped(rows, lambda r: [r.speaker] if r.speaker else []),
        tuned_on=sorted(tuned_on),
        held_out=summarize(unseen) if tuned_on and unseen else None,
        by_text=grouped(rows, lambda r: ["text-given" if r.text_given else "heard"])
        if any(r.text_given for r in rows)
        else {},
        rows=list(rows),
    )


def evalset_fingerprint(rows: Sequence[RowScore]) -> str:
    """A short hash of what the rows ask for (id, reference, language, stretch): the evaluation-set version.

    It is the same on every machine (no absolute paths) and changes when a row
    is added, removed or corrected.
    """
    if not rows:
        return ""
    canonical = sorted(f"{r.id}\t{r.offset}\t{r.duration}\t{r.lang}\t{r.reference}" for r in rows)
    return hashlib.sha256("\n".join(canonical).encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------- files


def load_run(path: str | Path) -> EvalRun:
    """Read an evaluation JSON written by :func:`save_run`; InputError names the file and the problem."""
    path = Path(path)
    try:
        return EvalRun.model_validate_json(path.read_bytes())
    except FileNotFoundError as exc:
        raise InputError("evaluation results not found", path=path) from exc
    except OSError as exc:
        raise InputError(f"evaluation results cannot be read ({exc.strerror or exc})", path=path) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise InputError(f"not an evaluation result ({where}: {first['msg']})", path=path) from exc


def save_run(run: EvalRun, path: str | Path) -> Path:
    """Write the run as pretty UTF-8 JSON, atomically (an earlier file stays until the new one is whole)."""
    from nishabdham.files import atomic_write_text

    path = Path(path)
    atomic_write_text(path, run.model_dump_json(indent=2) + "\n")
    return path
