"""Romanized Telugu back to Telugu script, on ordinary words and informal spellings.

No word of the dev references is used here: the stage's constants are tuned on the dev
set's speaker folds, and its tests must not lean on the same words.
"""

import pytest

from nishabdham.pipeline.codeswitch.lexicon import load_lexicon
from nishabdham.pipeline.codeswitch.lm import load_lm
from nishabdham.pipeline.codeswitch.restore import Restorer, align_cost, propose
from nishabdham.pipeline.decode.model import default_models_dir


@pytest.fixture(scope="module")
def restorer():
    folder = str(default_models_dir())
    return Restorer(load_lexicon(folder), lm=load_lm(folder))


@pytest.mark.parametrize(
    "latin, telugu",
    [
        ("meeru", "మీరు"),  # ee for a long vowel
        ("vinipinchindi", "వినిపించింది"),  # nch -> anusvara + చ
        ("kondalu", "కొండలు"),  # nd -> anusvara + డ
        ("padyam", "పద్యం"),  # word-final m -> anusvara
        ("telugu", "తెలుగు"),
        ("vachaaru", "వచ్చారు"),  # a doubled consonant written single
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
    assert restorer.restore("Meeru,").telugu == "మీరు"


def test_unknown_words_are_spelled_unit_by_unit(restorer):
    result = restorer.restore("gandikotapaadu")  # a village name, not in the word list
    assert result.method == "spelling" and not result.in_lexicon
    assert result.telugu.startswith("గండికోట")


def test_the_spelling_model_prefers_telugu_orthography(restorer):
    best, _ = propose("manda", restorer.lexicon)[0]
    assert "ṁ" in best  # మంద, not మన్ద


def test_alignment_costs_more_for_worse_spellings():
    assert align_cost("meeru", ["m", "ī", "r", "u"]) < align_cost("meeru", ["m", "i", "r", "u"])
    assert align_cost("meeru", ["m", "ī", "r", "u"]) < align_cost("meeru", ["k", "ī", "r", "u"])


def test_fragments_merge_into_one_real_word(restorer):
    merged = restorer.merge("aana", "ndamu")
    assert merged is not None and merged.telugu == "ఆనందము"
    assert restorer.merge("meeru", "manchi") is None  # two real words stay two words


@pytest.mark.parametrize(
    "word, ending, telugu",
    [("konda", "lu", "కొండలు"), ("pustakam", "lo", "పుస్తకంలో"), ("pillala", "ku", "పిల్లలకు"), ("kavita", "no", "కవితను")],
)
def test_an_ending_written_apart_joins_its_word(restorer, word, ending, telugu):
    # both halves are listed words (లు, లో, ను ...): only an ending that short may still join
    assert restorer.restore(word).in_lexicon and restorer.restore(ending).in_lexicon
    merged = restorer.merge(word, ending)
    assert merged is not None and merged.telugu == telugu


def test_a_run_together_token_splits_into_two_real_words(restorer):
    cut = restorer.split("kavitamanchi")
    assert cut is not None
    assert (cut[1].telugu, cut[2].telugu) == ("కవిత", "మంచి")
    assert restorer.split("vinipinchindi") is None  # already a word


def test_non_letters_restore_to_nothing(restorer):
    assert restorer.restore("123") is None
    assert restorer.restore("") is None
