"""Per-word language and script, decided from evidence and context."""

import pytest

from nishabdham.pipeline.codeswitch.langid import ENGLISH, OTHER, ROMANIZED, TELUGU, classify, script_kind
from nishabdham.pipeline.codeswitch.lexicon import load_lexicon
from nishabdham.pipeline.codeswitch.lm import load_lm
from nishabdham.pipeline.codeswitch.restore import Restorer
from nishabdham.pipeline.decode.model import default_models_dir


@pytest.fixture(scope="module")
def restorer():
    folder = str(default_models_dir())
    return Restorer(load_lexicon(folder), lm=load_lm(folder))


def kinds(text, restorer):
    return [t.kind for t in classify(text.split(), restorer)]


def test_script_alone_decides_telugu_and_other_scripts():
    assert script_kind("పాలు") == TELUGU
    assert script_kind("पानी") == OTHER
    assert script_kind("ನೀರು") == OTHER
    assert script_kind("123") == OTHER
    assert script_kind("🙏") == OTHER
    assert script_kind("water") == ENGLISH  # provisional until classify decides


def test_english_sentence_stays_english(restorer):
    text = "And so my fellow Americans ask not what your country can do for you"
    assert set(kinds(text, restorer)) == {ENGLISH}


def test_romanized_telugu_sentence_is_telugu(restorer):
    assert set(kinds("ee roju manam konni padyalu vindaam", restorer)) == {ROMANIZED}


def test_english_word_inside_telugu_keeps_its_language(restorer):
    assert kinds("ee bridge meeda vaana vinipinchindi", restorer) == [
        ROMANIZED,
        ENGLISH,
        ROMANIZED,
        ROMANIZED,
        ROMANIZED,
    ]


def test_switch_points_between_an_english_intro_and_telugu(restorer):
    out = kinds("Welcome everyone to this poetry evening ee roju manam Potana padyalu vindaam", restorer)
    assert out[:6] == [ENGLISH] * 6 and out[6:] == [ROMANIZED] * 6


def test_romanized_words_carry_their_restoration(restorer):
    tokens = classify(["meeru"], restorer)
    assert tokens[0].kind == ROMANIZED or tokens[0].kind == ENGLISH
    restored = [t for t in classify("manam paalu taagudaam".split(), restorer) if t.kind == ROMANIZED]
    assert restored and restored[1].restoration.telugu == "పాలు"


def test_mixed_scripts_inside_one_word_follow_the_main_script(restorer):
    tokens = classify(["పాలుwa", "milkపా"], restorer)
    assert tokens[0].kind == TELUGU
    assert tokens[1].kind in (ENGLISH, ROMANIZED)
