"""Quality report for one transcript: where a reviewer should look first.

A pure function of the :class:`~nishabdham.types.Transcript`. It flags

- cues that break the subtitle rules (length, lines, duration, reading speed,
  gap), through :func:`nishabdham.pipeline.cues.rules.cue_problems`;
- segments in a script the subtitles should never hold (Urdu, Tamil,
  Devanagari... where Telugu or English was spoken) and Telugu segments with a
  low share of Telugu script (romanized or mixed);
- text a guard removed (a suspected hallucination: check it was not a real
  refrain);
- words the model was unsure of (grouped per cue).

Each issue has a severity (3 high, 2 medium, 1 low); issues are sorted worst
first, and a file's score is the sum of its severities, so a batch can be
sorted worst file first too (:func:`batch_summary`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from nishabdham.pipeline.cues.rules import CueRules, cue_problems
from nishabdham.pipeline.script import script_counts, script_share
from nishabdham.types import Cue, Segment, Transcript

HIGH, MEDIUM, LOW = 3, 2, 1
KINDS = ("foreign-script", "low-telugu-share", "removed", "cue-rules", "low-confidence")
TEXT_KINDS = ("text-skipped", "text-low-confidence", "text-repeated", "text-added")  # with a given text (--text)
_ORDER = KINDS + TEXT_KINDS


@dataclass(frozen=True, slots=True)
class QaOptions:
    """What the QA report flags."""

    min_telugu_share: float = 0.8
    """A Telugu segment with a smaller share of its letters in Telugu script is flagged (romanized, mixed)."""
    allowed_scripts: tuple[str, ...] = ("Telugu", "Latin")
    """Scripts the subtitles may hold; letters in any other script are flagged as foreign."""
    min_word_probability: float = 0.5
    """Words the model gave a lower probability are flagged as low-confidence."""


@dataclass(frozen=True, slots=True)
class QaIssue:
    """One place to check, with why."""

    kind: str
    """One of KINDS."""
    severity: int
    """3 (high), 2 (medium) or 1 (low)."""
    start_ms: int
    end_ms: int
    text: str
    detail: str


@dataclass(frozen=True, slots=True)
class QaReport:
    """Every issue of one transcript, worst first, and their totals."""

    source: str
    duration_ms: int
    score: int
    counts: dict[str, int]
    issues: tuple[QaIssue, ...] = ()


def qa_report(transcript: Transcript, rules: CueRules, options: QaOptions = QaOptions()) -> QaReport:
    """The QA report of ``transcript`` under ``rules`` (pure: nothing is read or written)."""
    issues = [
        *cue_rule_issues(transcript.cues, rules),
        *script_issues(transcript.segments, transcript.language, options),
        *removal_issues(transcript),
        *confidence_issues(transcript.cues, options.min_word_probability),
        *text_issues(transcript.alignment),
    ]
    issues.sort(key=lambda i: (-i.severity, i.start_ms, _ORDER.index(i.kind)))
    kinds = KINDS + (TEXT_KINDS if transcript.alignment else ())
    counts = {kind: sum(1 for i in issues if i.kind == kind) for kind in kinds}
    return QaReport(transcript.source, transcript.duration_ms, sum(i.severity for i in issues), counts, tuple(issues))


def cue_rule_issues(cues: Sequence[Cue], rules: CueRules) -> list[QaIssue]:
    issues = []
    for number, cue in enumerate(cues):
        following = cues[number + 1] if number + 1 < len(cues) else None
        problems = cue_problems(cue, rules, following)
        if problems:
            issues.append(
                QaIssue(
                    "cue-rules", LOW, cue.start_ms, cue.end_ms, cue.text, f"cue {number + 1}: " + "; ".join(problems)
                )
            )
    return issues


def script_issues(segments: Sequence[Segment], language: str, options: QaOptions) -> list[QaIssue]:
    issues = []
    for segment in segments:
        counts = script_counts(segment.text)
        letters = sum(counts.values())
        foreign = {s: n for s, n in counts.items() if s not in options.allowed_scripts}
        if foreign:
            share = sum(foreign.values()) / letters
            named = ", ".join(f"{s} {n / letters:.0%}" for s, n in sorted(foreign.items(), key=lambda x: -x[1]))
            issues.append(
                QaIssue(
                    "foreign-script",
                    HIGH,
                    segment.start_ms,
                    segment.end_ms,
                    segment.text,
                    f"letters in {named} ({share:.0%} of the segment)",
                )
            )
            continue
        is_telugu = (segment.language or language) == "te"
        share = script_share(segment.text, "Telugu")
        if is_telugu and letters and share < options.min_telugu_share:
            issues.append(
                QaIssue("low-telugu-share", MEDIUM, segment.start_ms, segment.end_ms, segment.text,
                        f"Telugu segment with {share:.0%} of its letters in Telugu script (< {options.min_telugu_share:.0%})")
            )  # fmt: skip
    return issues


def removal_issues(transcript: Transcript) -> list[QaIssue]:
    """Removed text (medium), and speech that got no words at all (high: listen and type it)."""
    return [
        QaIssue("removed", HIGH, r.start_ms, r.end_ms, r.text, f"{r.reason}: no subtitle covers this speech")
        if not r.text
        else QaIssue(
            "removed", MEDIUM, r.start_ms, r.end_ms, r.text, f"removed as {r.reason}: check it was not really said"
        )
        for r in transcript.removed
    ]


def confidence_issues(cues: Sequence[Cue], min_probability: float) -> list[QaIssue]:
    issues = []
    for number, cue in enumerate(cues, 1):
        unsure = [w for w in cue.words if w.probability < min_probability]
        if unsure:
            listed = ", ".join(f"{w.text.strip()} ({w.probability:.2f})" for w in unsure)
            issues.append(
                QaIssue(
                    "low-confidence",
                    LOW,
                    cue.start_ms,
                    cue.end_ms,
                    cue.text,
                    f"cue {number}: {len(unsure)} unsure word(s): {listed}",
                )
            )
    return issues


def text_issues(alignment: dict[str, Any]) -> list[QaIssue]:
    """With a given text: lines not placed, lines placed with low confidence, lines read again, additions."""
    issues = []
    low = alignment.get("low_confidence", 0.6)
    for line in alignment.get("lines", []):
        where = f"text line {line['line']}"
        if line["status"] == "skipped":
            issues.append(QaIssue("text-skipped", HIGH, 0, 0, line["text"], f"{where} was not found in the reading"))
        for reading in line["readings"]:
            if reading["confidence"] < low:
                issues.append(
                    QaIssue("text-low-confidence", MEDIUM, reading["start_ms"], reading["end_ms"], line["text"],
                            f"{where} placed with confidence {reading['confidence']:.2f}; heard: {reading['heard']}")
                )  # fmt: skip
        if line["status"] == "repeated":
            first = line["readings"][0]
            issues.append(
                QaIssue("text-repeated", LOW, first["start_ms"], first["end_ms"], line["text"],
                        f"{where} read {len(line['readings'])} times (each reading has its cue)")
            )  # fmt: skip
    for added in alignment.get("added", []):
        issues.append(
            QaIssue("text-added", LOW, added["start_ms"], added["end_ms"], added["text"],
                    "speech not in the given text (transcribed as heard)")
        )  # fmt: skip
    return issues


def summary(report: QaReport) -> dict[str, Any]:
    """A few numbers for job lists: score, counts per kind, and the worst issue."""
    worst = report.issues[0] if report.issues else None
    return {
        "score": report.score,
        "issues": len(report.issues),
        "counts": dict(report.counts),
        "worst": f"{worst.kind} at {worst.start_ms / 1000:.1f} s: {worst.detail}" if worst else "",
    }


def batch_summary(files: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Sum per-file summaries (``(subtitle path, summary)``) into one report, worst file first."""
    rows = sorted(({"file": name, **qa} for name, qa in files), key=lambda r: (-r.get("score", 0), r["file"]))
    text = TEXT_KINDS if any(kind in r.get("counts", {}) for r in rows for kind in TEXT_KINDS) else ()
    totals = {kind: sum(r.get("counts", {}).get(kind, 0) for r in rows) for kind in KINDS + text}
    return {"files": len(rows), "score": sum(r.get("score", 0) for r in rows), "counts": totals, "worst_first": rows}
