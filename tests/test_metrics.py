"""Metrics on hand-made examples: graphemes, marks kept, punctuation dropped."""

import pytest

from nishabdham.evaluation.metrics import (
    AlignedSpan,
    ErrorCounts,
    TimingErrors,
    align_words,
    cer,
    char_counts,
    cue_timing_errors,
    english_word_counts,
    grapheme_tokens,
    normalize_text,
    rule_breaks,
    switch_points,
    telugu_letters,
    telugu_script_share,
    wer,
    word_counts,
)
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.types import Cue


def test_normalization_keeps_vowel_signs_and_drops_punctuation():
    assert normalize_text("తెలుగు!  Poetry, “padyam”.") == "తెలుగు poetry padyam"
    assert normalize_text("తెలుగు") != "త ల గ"


def test_grapheme_tokens_count_aksharas_and_spaces():
    assert grapheme_tokens("నీరు పద్యం") == ["నీ", "రు", "▁", "ప", "ద్యం"]


def test_cer_over_graphemes():
    # one akshara substituted out of 5 tokens (4 aksharas + 1 space)
    assert cer(["నీరు పద్యం"], ["నారు పద్యం"]) == pytest.approx(1 / 5)
    assert cer(["నీరు"], ["నీరు"]) == 0.0
    assert cer(["నీరు"], [""]) == 1.0


def test_wer_is_corpus_level():
    assert wer(["a b c d", "e f"], ["a b x d", "e f"]) == pytest.approx(1 / 6)
    assert wer(["Ask not!"], ["ask not"]) == 0.0


def test_empty_references_are_ignored():
    assert wer(["", "a b"], ["junk", "a b"]) == 0.0


def test_telugu_script_share_counts_letter_clusters():
    assert telugu_script_share("నీరు water") == pytest.approx(2 / 7)
    assert telugu_script_share(["నీరు", "123"]) == 1.0


# --------------------------------------------------------------------------- counts, alignment, English, switch points


def test_counts_add_up_to_the_corpus_rates():
    refs, hyps = ["నీరు పద్యం కవి", "ask not"], ["నారు పద్యం", "ask not what"]
    words = word_counts(refs[0], hyps[0]) + word_counts(refs[1], hyps[1])
    assert words == ErrorCounts(reference=5, substitutions=1, deletions=1, insertions=1)
    assert words.rate == pytest.approx(wer(refs, hyps)) == pytest.approx(3 / 5)
    chars = char_counts(refs[0], hyps[0]) + char_counts(refs[1], hyps[1])
    assert chars.rate == pytest.approx(cer(refs, hyps))
    assert ErrorCounts().rate is None


def test_char_counts_are_over_aksharas_not_code_points():
    # ప్రవహించింది: 12 code points, 5 aksharas; one akshara wrong
    counts = char_counts("ప్రవహించింది", "ప్రవహించిండి")
    assert counts.reference == 5
    assert counts.errors == 1


def test_alignment_keeps_each_substitution_for_a_reviewer():
    spans = align_words("కవి పోతన రాసిన భాగవతం", "కవి పోతాన రాసిన")
    assert spans == [
        AlignedSpan("equal", ("కవి",), ("కవి",)),
        AlignedSpan("substitute", ("పోతన",), ("పోతాన",)),
        AlignedSpan("equal", ("రాసిన",), ("రాసిన",)),
        AlignedSpan("delete", ("భాగవతం",), ()),
    ]
    assert align_words("", "noise") == [AlignedSpan("insert", (), ("noise",))]
    assert align_words("ఒకటి", "") == [AlignedSpan("delete", ("ఒకటి",), ())]


def test_english_word_errors_count_only_latin_reference_words():
    # reference: 2 Latin words among Telugu; one is wrong, Telugu errors and insertions do not count
    counts = english_word_counts("ఈ poem చాలా beautiful", "ఆ poem చాలా bootiful extra")
    assert counts.reference == 2
    assert counts.substitutions == 1 and counts.errors == 1
    assert english_word_counts("తెలుగు పద్యం", "telugu padyam").reference == 0


def test_switch_points_are_recovered_only_in_the_right_scripts():
    reference = "ఈ poem చాలా బాగుంది"  # switches: ఈ|poem and poem|చాలా
    assert switch_points(reference, reference) == (2, 2)
    assert switch_points(reference, "ఈ పోయెమ్ చాలా బాగుంది") == (0, 2)  # poem written in Telugu
    assert switch_points(reference, "ee poem chaala baagundi") == (0, 2)  # all romanized
    assert switch_points(reference, "ఈ poem") == (1, 2)  # చాలా deleted: the second switch is lost
    assert switch_points("తెలుగు పద్యం", "తెలుగు పద్యం") == (0, 0)


# --------------------------------------------------------------------------- timing and rules


def test_cue_timing_errors_match_each_reference_cue_by_overlap():
    reference = [Cue(0, 2000, "a"), Cue(3000, 5000, "b")]
    hypothesis = [Cue(200, 1900, "a"), Cue(2900, 5400, "b")]
    errors = cue_timing_errors(reference, hypothesis)
    assert errors == TimingErrors(matched=2, unmatched=0, start_ms=200 + 100, end_ms=100 + 400)
    assert errors.mean_start_ms == 150 and errors.mean_end_ms == 250
    assert cue_timing_errors(reference, []) == TimingErrors(unmatched=2)
    # no overlap at all: the nearest cue is taken
    assert cue_timing_errors([Cue(10_000, 11_000, "c")], hypothesis).start_ms == 10_000 - 2900


def test_rule_breaks_count_cues_too_fast_or_too_long():
    rules = CueRules()
    fine = Cue(0, 3000, "నీరు ప్రవహించింది")
    too_fast = Cue(4000, 4300, "నీరు ప్రవహించింది")  # 8 aksharas in 0.3 s
    too_long_line = Cue(5000, 12000, "అ" * 70)  # 70 aksharas cannot fit 2 lines of 30
    assert rule_breaks([fine], rules) == 0
    assert rule_breaks([fine, too_fast, too_long_line], rules) == 2


def test_telugu_letters_counts_letters_not_code_points():
    assert telugu_letters(["నీరు water", "123"]) == (2, 7)
