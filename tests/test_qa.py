"""The QA report flags what a reviewer should check, worst first, and sums per batch."""

from __future__ import annotations

from dataclasses import replace

from nishabdham.pipeline.cues.qa import (
    QaOptions,
    QaReport,
    batch_summary,
    cue_confidence,
    low_confidence,
    qa_report,
    summary,
)
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.types import Cue, Removal, Segment, Transcript, Word, dumps, from_jsonable

RULES = CueRules()


def word(start, end, text, p=0.9):
    return Word(start, end, text, probability=p)


def transcript() -> Transcript:
    calm = (word(0, 700, "కలసపాడు"), word(800, 1800, "బ్రిడ్జిపై", 0.1))
    fast = (word(5000, 5400, "నుంచి నీరు ప్రవహించింది ఇప్పుడు మళ్ళీ"),)
    english = (word(9000, 9600, "Americans", 0.95),)
    return Transcript(
        source="poem.wav",
        duration_ms=20000,
        language="te",
        language_probability=0.9,
        model="whisper-base (bundled)",
        segments=(
            Segment(0, 1800, "కలసపాడు బ్రిడ్జిపై", words=calm, language="te"),
            Segment(5000, 5400, "nunchi neeru pravahinchindi", words=fast, language="te"),
            Segment(9000, 9600, "Americans", words=english, language="en"),
            Segment(12000, 14000, "میڈیالو وانتا", language="ur"),
        ),
        cues=(
            Cue(0, 1900, "కలసపాడు బ్రిడ్జిపై", words=calm),
            Cue(5000, 5400, "నుంచి నీరు ప్రవహించింది ఇప్పుడు మళ్ళీ", words=fast),
            Cue(9000, 10000, "Americans", words=english),
        ),
        removed=(Removal(16000, 18000, "Thanks for watching", "hallucination on silence"),),
    )


def test_issues_of_every_kind_are_found_and_sorted_worst_first():
    report = qa_report(transcript(), RULES)
    kinds = [(i.kind, i.severity, i.start_ms) for i in report.issues]
    assert kinds == [
        ("foreign-script", 3, 12000),
        ("low-telugu-share", 2, 5000),
        ("removed", 2, 16000),
        ("low-confidence", 1, 0),
        ("cue-rules", 1, 5000),
    ]
    assert report.score == 9
    assert report.counts == {
        "foreign-script": 1,
        "low-telugu-share": 1,
        "removed": 1,
        "cue-rules": 1,
        "low-confidence": 1,
    }
    details = {i.kind: i.detail for i in report.issues}
    assert details["foreign-script"] == "letters in Arabic 100% (100% of the segment)"
    assert details["cue-rules"].startswith("cue 2: too short: 400 ms < 833 ms; reading speed")
    assert details["low-confidence"] == "cue 1: 1 unsure word(s): బ్రిడ్జిపై (0.10)"
    assert "0% of its letters in Telugu script" in details["low-telugu-share"]


def test_english_in_latin_script_and_clean_telugu_raise_nothing():
    clean = Transcript(
        source="ok.wav", duration_ms=5000, language="te", language_probability=1.0, model="m",
        segments=(Segment(0, 2000, "కలసపాడు", language="te"), Segment(2500, 3500, "bridge", language="en")),
        cues=(Cue(0, 2000, "కలసపాడు", words=(word(0, 900, "కలసపాడు"),)), Cue(2500, 3500, "bridge")),
    )  # fmt: skip
    report = qa_report(clean, RULES)
    assert report.issues == () and report.score == 0


def test_thresholds_come_from_the_options():
    report = qa_report(
        transcript(), RULES, QaOptions(min_word_probability=0.05, allowed_scripts=("Telugu", "Latin", "Arabic"))
    )
    assert report.counts["low-confidence"] == 0 and report.counts["foreign-script"] == 0


def test_report_round_trips_through_json():
    report = qa_report(transcript(), RULES)
    import json

    assert from_jsonable(QaReport, json.loads(dumps(report))) == report


def test_batch_summary_sums_files_and_puts_the_worst_first():
    worst = summary(qa_report(transcript(), RULES))
    assert worst["worst"].startswith("foreign-script at 12.0 s: letters in Arabic")
    clean = {"score": 0, "issues": 0, "counts": {}, "worst": ""}
    batch = batch_summary([("a.srt", clean), ("b.srt", worst)])
    assert [row["file"] for row in batch["worst_first"]] == ["b.srt", "a.srt"]
    assert batch["score"] == 9 and batch["files"] == 2
    assert batch["counts"]["removed"] == 1


def test_low_confidence_separates_cues_instead_of_flagging_every_one():
    # before: a word under 0.5 flagged a cue, and Whisper base gives restored Telugu words 0.1-0.7,
    # so 73-92 % of the dev set's cues were flagged and "worst first" sorted nothing
    least = (0.1, 0.3, 0.35, 0.4, 0.45)
    cues = tuple(
        Cue(i * 3000, i * 3000 + 2000, f"పదం{i} మాట{i}",
            words=(word(i * 3000, i * 3000 + 900, f"పదం{i}", p), word(i * 3000 + 1000, i * 3000 + 1900, f"మాట{i}", 0.6)))
        for i, p in enumerate(least)
    )  # fmt: skip
    report = qa_report(replace(transcript(), cues=cues, segments=(), removed=()), RULES)
    assert [i.start_ms for i in report.issues if i.kind == "low-confidence"] == [0]
    assert cue_confidence(cues[0]) == 0.1 and cue_confidence(Cue(0, 900, "x")) is None
    assert [low_confidence(c) for c in cues] == [True, False, False, False, False]


def test_line_two_reading_speed_is_a_cue_rule_issue():
    fast = Cue(0, 1000, "నీరు ప్రవహించింది", second="nīru pravahiṁciṁdi")  # line 2: 18 a second
    report = qa_report(replace(transcript(), cues=(fast,), segments=(), removed=()), RULES)
    assert report.counts["cue-rules"] == 1
    assert report.issues[0].detail == "cue 1: reading speed of line 2 18.0 > 17 characters/s"


def test_the_review_page_flags_what_the_qa_report_flags():
    from nishabdham.review_ui.editing import ReviewCue
    from nishabdham.review_ui.quality import qa_flags

    # before: the page flagged a word under 0.5 or a mean under 0.7, i.e. nearly every Telugu cue
    sure = ReviewCue.of("c1", Cue(0, 2000, "పదం మాట", words=(word(0, 900, "పదం", 0.3), word(1000, 1900, "మాట", 0.6))))
    unsure = replace(sure.with_cue(words=tuple(replace(w, probability=0.1) for w in sure.words)), id="c2")
    assert qa_flags(sure) == () and qa_flags(unsure) == ("low confidence",)
