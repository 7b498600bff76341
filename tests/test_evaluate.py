"""Scoring, comparing and guarding evaluation runs, on hand-made rows (no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nishabdham.errors import InputError
from nishabdham.evaluation.compare import TOLERANCE, compare_runs, format_comparison, regressions
from nishabdham.evaluation.evaluate import (
    EvalRun,
    ManifestInfo,
    build_run,
    evalset_fingerprint,
    failed_row,
    load_run,
    save_run,
    score_row,
    summarize,
)
from nishabdham.evaluation.manifest import ManifestEntry, ManifestRow
from nishabdham.types import Cue


def entry(
    text: str, lang: str = "te", tags=(), line: int = 1, name: str = "a.wav", offset: float = 0.0
) -> ManifestEntry:
    row = ManifestRow(audio_filepath=f"audio/{name}", text=text, lang=lang, tags=list(tags), offset=offset)
    return ManifestEntry(Path("/sets/dev/manifest.jsonl"), line, row, Path(f"/sets/dev/audio/{name}"))


def sample_run(hypotheses: dict[str, str] | None = None, label: str = "") -> EvalRun:
    """Three rows: Telugu, code-switched, English; hypotheses can be swapped per row name."""
    hyp = {"te": "నారు ప్రవహించింది", "mix": "ఈ poem చాలా బాగుంది", "en": "ask not what"}
    hyp.update(hypotheses or {})
    rows = [
        score_row(entry("నీరు ప్రవహించింది", "te", ["phonetic"], 1, "te.wav"), hyp["te"]),
        score_row(entry("ఈ poem చాలా బాగుంది", "te-en", ["english-word", "phonetic"], 2, "mix.wav"), hyp["mix"]),
        score_row(entry("ask not what your country", "en", [], 3, "en.wav"), hyp["en"]),
    ]
    info = [ManifestInfo(path="/sets/dev/manifest.jsonl", sha256="0" * 64, rows=3, problems=0)]
    return build_run(rows, manifests=info, model="bundled", label=label)


def test_score_row_keeps_counts_alignment_and_script():
    row = score_row(entry("నీరు ప్రవహించింది"), "నారు ప్రవహించింది", language="te")
    assert (row.words.reference, row.words.errors, row.wer) == (2, 1, 0.5)
    assert row.chars.reference == 8 and row.cer == pytest.approx(1 / 8)  # 2 + space + 5 aksharas
    assert row.alignment[0].op == "substitute" and row.alignment[0].ref == ("నీరు",) and row.alignment[0].hyp == ("నారు",)
    assert row.telugu_letters == row.letters == 7
    assert row.timing is None and row.cues == 0


def test_score_row_scores_cues_against_reference_subtitles():
    cues = [Cue(1000, 2500, "నారు ప్రవహించింది")]
    row = score_row(entry("నీరు ప్రవహించింది"), "నారు ప్రవహించింది", cues=cues, reference_cues=[Cue(1100, 2600, "x")])
    assert row.timing.matched == 1 and row.timing.start_ms == 100 and row.timing.end_ms == 100
    assert row.cues == 1 and row.cues_breaking_rules == 0


def test_summary_is_corpus_level_and_per_language_and_tag():
    run = sample_run()
    # words: te 2 ref / 1 err, mix 4 / 0, en 5 / 2 -> 3 / 11
    assert run.n == 3 and run.wer == pytest.approx(3 / 11, abs=1e-4)
    assert run.telugu_script_share == 1.0  # only the lang=te row counts, and it is all Telugu
    assert run.english_wer == pytest.approx(2 / 6, abs=1e-4)  # poem + 5 English words; 2 deleted
    assert run.switch_point_accuracy == 1.0
    assert set(run.by_lang) == {"te", "te-en", "en"}
    assert run.by_lang["te"].wer == 0.5 and run.by_lang["te-en"].wer == 0.0
    assert set(run.by_category) == {"phonetic", "english-word"}
    assert run.by_category["phonetic"].n == 2 and run.by_category["phonetic"].wer == pytest.approx(1 / 6, abs=1e-4)


def test_telugu_script_share_sees_romanized_output():
    run = sample_run({"te": "neeru pravahinchindi"})
    assert run.telugu_script_share == 0.0
    assert run.by_lang["te"].cer > 1.0  # 20 Latin letters for 8 aksharas: every one wrong, and more


def test_failed_rows_are_reported_not_scored():
    rows = [score_row(entry("నీరు"), "నీరు"), failed_row(entry("పద్యం", line=7), "audio cannot be decoded")]
    run = build_run(rows)
    assert run.n == 1 and run.failed == 1 and run.cer == 0.0
    assert run.problems == ["/sets/dev/manifest.jsonl:7: audio cannot be decoded"]
    assert summarize([]).wer is None


def test_evalset_version_changes_with_the_rows_not_with_the_machine():
    a, b = sample_run(), sample_run({"te": "something else"})
    assert a.evalset == b.evalset != ""  # same rows, other output
    moved = [r.model_copy(update={"audio": "/elsewhere/" + r.id}) for r in a.rows]
    assert evalset_fingerprint(moved) == a.evalset
    corrected = [a.rows[0].model_copy(update={"reference": "నీళ్ళు ప్రవహించాయి"}), *a.rows[1:]]
    assert evalset_fingerprint(corrected) != a.evalset


def test_runs_round_trip_through_json_and_bad_files_are_named(tmp_path):
    run = sample_run(label="round trip")
    path = save_run(run, tmp_path / "runs" / "a.json")
    assert load_run(path) == run
    assert '"wer"' in path.read_text(encoding="utf-8") and "నీరు" in path.read_text(encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('{"rows": "nope"}', encoding="utf-8")
    with pytest.raises(InputError, match="not an evaluation result") as caught:
        load_run(bad)
    assert str(bad) in str(caught.value)
    with pytest.raises(InputError, match="not found"):
        load_run(tmp_path / "missing.json")


def test_compare_lines_up_figures_groups_and_rows():
    before, after = sample_run(), sample_run({"en": "ask not what your country"})
    comparison = compare_runs(before, after)
    wer_all = next(f for f in comparison.figures if f.group == "all" and f.figure == "wer")
    assert wer_all.delta == pytest.approx(-2 / 11, abs=1e-3) and wer_all.verdict == "better"
    en = next(f for f in comparison.figures if f.group == "lang en" and f.figure == "wer")
    assert en.after == 0.0 and en.verdict == "better"
    share = next(f for f in comparison.figures if f.group == "all" and f.figure == "telugu_script_share")
    assert share.verdict == "same"
    changed = comparison.changed_rows()
    assert [r.id for r in changed] == ["dev/audio/en.wav"]
    text = format_comparison(comparison, "old", "new")
    assert "lang en" in text and "tag phonetic" in text and "rows whose output changed: 1 of 3" in text
    assert "ask not what your country" in text


def test_regression_guard_fails_beyond_the_tolerance_only():
    baseline = sample_run()
    assert regressions(baseline, baseline) == []
    slightly = baseline.model_copy(update={"cer": baseline.cer + TOLERANCE / 2})
    assert regressions(slightly, baseline) == []
    worse = sample_run({"te": "ఏదో వేరే మాట ఇంకా చాలా"})
    found = regressions(worse, baseline)
    assert any(m.startswith("all: CER") for m in found) and any(m.startswith("lang te: WER") for m in found)
    assert not any(m.startswith("lang en") for m in found)
    better = sample_run({"en": "ask not what your country"})
    assert regressions(better, baseline) == []


def test_a_group_may_move_by_two_of_its_reference_units_as_decodes_vary():
    words = "వాన కురిసింది చెట్టు పెరిగింది పాట వినండి".split() * 6  # 36 words, as the held-out fold

    def run(wrong: int) -> EvalRun:
        said = [("మాట" if i < wrong else w) for i, w in enumerate(words)]
        return build_run([score_row(entry(" ".join(words), "te", [], 1, "a.wav"), " ".join(said))])

    baseline = run(0)
    assert regressions(run(1), baseline) == []  # one word: 0.028 of WER, over TOLERANCE but within UNITS
    assert regressions(run(2), baseline) == []
    found = regressions(run(3), baseline)
    assert any(m.startswith("lang te: WER") and "by more than 0.0556" in m for m in found), found


def test_regression_guard_fails_when_rows_are_lost():
    baseline = sample_run()
    fewer = build_run(
        [baseline.rows[0], baseline.rows[1], failed_row(entry("ask not", "en", line=3, name="en.wav"), "gone")]
    )
    found = regressions(fewer, baseline)
    assert "all: 2 rows scored, the baseline scored 3" in found
    assert "lang en: 0 rows scored, the baseline scored 1" in found


def speaker_run(hypotheses: dict[str, str] | None = None, tuned_on=("spk1",)) -> EvalRun:
    """Two speakers of Telugu and one English row without a speaker; spk1 is the tuning fold."""
    hyp = {"a": "వాన కురిసింది", "b": "చెట్టు పెరిగింది", "c": "పాట వినండి"}
    hyp.update(hypotheses or {})

    def spoken(text, name, speaker, lang="te"):
        row = ManifestRow(audio_filepath=f"audio/{name}", text=text, lang=lang, speaker=speaker)
        return ManifestEntry(Path("/sets/dev/manifest.jsonl"), 1, row, Path(f"/sets/dev/audio/{name}"))

    rows = [
        score_row(spoken("వాన కురిసింది", "a.wav", "spk1"), hyp["a"]),
        score_row(spoken("చెట్టు పెరిగింది", "b.wav", "spk2"), hyp["b"]),
        score_row(spoken("పాట వినండి", "c.wav", "spk2"), hyp["c"]),
        score_row(spoken("ask not what", "d.wav", None, "en"), "ask not what"),
    ]
    return build_run(rows, tuned_on=tuned_on)


def test_held_out_fold_scores_only_speakers_no_constant_was_tuned_on():
    run = speaker_run({"b": "చెట్టు పెరిగిండి"})
    assert set(run.by_speaker) == {"spk1", "spk2"} and run.by_speaker["spk1"].cer == 0.0
    assert run.tuned_on == ["spk1"] and run.held_out is not None and run.held_out.n == 2
    assert run.held_out.cer == run.by_speaker["spk2"].cer > 0 and run.held_out.cer > run.cer
    assert build_run(run.rows).held_out is None  # nothing tuned: no held-out figure
    # the held-out fold is guarded like any group
    worse = speaker_run({"c": "ఏదో వేరే మాట ఇంకా చాలా ఎక్కువ"})
    found = regressions(worse, run)
    assert any(m.startswith("held-out fold: CER") for m in found)
    assert any(m.startswith("speaker spk2: CER") for m in found)
    assert not any(m.startswith("speaker spk1") for m in found)


def test_speaker_figures_survive_saving_and_old_runs_still_load(tmp_path):
    run = speaker_run()
    again = load_run(save_run(run, tmp_path / "run.json"))
    assert again.held_out == run.held_out and again.by_speaker == run.by_speaker
    old = run.model_dump()
    for key in ("by_speaker", "tuned_on", "held_out"):
        old.pop(key)
    for row in old["rows"]:
        row.pop("speaker")
    (tmp_path / "old.json").write_text(EvalRun(**old).model_dump_json(), encoding="utf-8")
    assert load_run(tmp_path / "old.json").held_out is None
