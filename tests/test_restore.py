"""Romanized Telugu back to Telugu script, on ordinary words and informal spellings."""

import pytest

from nishabdham.pipeline.codeswitch.lexicon import load_lexicon
from nishabdham.pipeline.codeswitch.restore import Restorer, align_cost, propose
from nishabdham.pipeline.model import default_models_dir


@pytest.fixture(scope="module")
def restorer():
    return Restorer(load_lexicon(str(default_models_dir())))


@pytest.mark.parametrize(
    "latin, telugu",
    [
        ("neeru", "నీరు"),  # ee for a long vowel
        ("pravahinchindi", "ప్రవహించింది"),  # nch -> anusvara + చ
        ("kondalu", "కొండలు"),  # nd -> anusvara + డ
        ("padyam", "పద్యం"),  # word-final m -> anusvara
        ("telugu", "తెలుగు"),
        ("vachindi", "వచ్చింది"),  # a doubled consonant written single
        ("kavitha", "కవిత"),  # th for a plain dental t
        ("bhagavatam", "భాగవతం"),
        ("manchi", "మంచి"),
        ("pustakam", "పుస్తకం"),
        ("chaala", "చాలా"),
        ("andamgaa", "అందంగా"),
    ],
)
def test_common_informal_spellings_restore_to_real_words(restorer, latin, telugu):
    result = restorer.restore(latin)
    assert result.telugu == telugu, result
    assert result.in_lexicon


def test_capitals_and_punctuation_are_ignored(restorer):
    assert restorer.restore("Neeru").telugu == "నీరు"


def test_unknown_words_are_spelled_unit_by_unit(restorer):
    result = restorer.restore("kalasapaadu")  # a village name, not in the word list
    assert result.method == "spelling" and not result.in_lexicon
    assert result.telugu.startswith("కలస")


def test_the_spelling_model_prefers_telugu_orthography(restorer):
    best, _ = propose("manda", restorer.lexicon)[0]
    assert "ṁ" in best  # మంద, not మన్ద


def test_alignment_costs_more_for_worse_spellings():
    assert align_cost("neeru", ["n", "ī", "r", "u"]) < align_cost("neeru", ["n", "i", "r", "u"])
    assert align_cost("neeru", ["n", "ī", "r", "u"]) < align_cost("neeru", ["k", "ī", "r", "u"])


def test_fragments_merge_into_one_real_word(restorer):
    merged = restorer.merge("sanki", "tanalu")
    assert merged is not None and merged.telugu == "సంకీర్తనలు"
    assert restorer.merge("neeru", "manchi") is None  # two real words stay two words


def test_a_run_together_token_splits_into_two_real_words(restorer):
    cut = restorer.split("bridgepainundi")
    assert cut is not None
    assert (cut[1].telugu, cut[2].telugu) == ("బ్రిడ్జిపై", "నుండి")
    assert restorer.split("pravahinchindi") is None  # already a word


def test_non_letters_restore_to_nothing(restorer):
    assert restorer.restore("123") is None
    assert restorer.restore("") is None
