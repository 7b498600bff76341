"""Metrics on hand-made examples: graphemes, marks kept, punctuation dropped."""

import pytest

from pipeline.metrics import cer, grapheme_tokens, normalize_text, telugu_script_share, wer


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
