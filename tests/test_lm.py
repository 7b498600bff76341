"""The Telugu word model (ARPA written from counts, read back) and the lexicon's mapped file."""

from __future__ import annotations

import gzip
import math

import pytest

from nishabdham.errors import InputError
from nishabdham.pipeline.codeswitch.lexicon import build_lexicon
from nishabdham.pipeline.codeswitch.lexicon_file import open_lexicon_file, write_lexicon_file
from nishabdham.pipeline.codeswitch.lm import BOS, EOS, arpa_from_sentences, corpus_sentences, read_arpa, tokenize
from nishabdham.pipeline.telugu import to_iso

SENTENCES = [
    ["వాన", "కురిసింది"],
    ["వాన", "పడింది"],
    ["చెట్టు", "పెరిగింది"],
    ["పాట", "వినండి"],
    ["వాన", "కురిసింది"],
    ["పెద్ద", "వాన"],
]


@pytest.fixture()
def lm(tmp_path):
    path = tmp_path / "words.arpa.gz"
    path.write_bytes(gzip.compress(arpa_from_sentences(SENTENCES).encode("utf-8")))
    return read_arpa(path)


def test_the_model_is_a_distribution_after_every_history(lm):
    words = [w for w in lm.unigrams if w != BOS]
    for history in (BOS, to_iso("వాన"), to_iso("పాట"), "unseen-word"):
        assert sum(math.exp(lm.logprob(w, history)) for w in words) == pytest.approx(1.0, abs=1e-3)


def test_seen_pairs_beat_backed_off_ones_and_frequent_words_beat_rare_ones(lm):
    rain, fell = to_iso("వాన"), to_iso("కురిసింది")
    assert lm.logprob(fell, rain) > lm.logprob(fell, to_iso("పాట"))
    assert lm.unigram(rain) > lm.unigram(to_iso("పాట")) > lm.unigram("nothing-like-it")
    assert rain in lm and EOS not in lm and "nothing-like-it" not in lm
    assert lm.sentence([rain, fell]) > lm.sentence([fell, rain])


def test_a_broken_model_file_is_named(tmp_path):
    bad = tmp_path / "words.arpa.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(InputError, match="words.arpa.gz"):
        read_arpa(bad)
    empty = tmp_path / "empty.arpa.gz"
    empty.write_bytes(gzip.compress(b"\\data\\\n\\end\\\n"))
    with pytest.raises(InputError, match="not an ARPA"):
        read_arpa(empty)


def test_tokenize_keeps_telugu_words_only():
    assert tokenize("ఓ సుకుమారా! hello, వాన\u200cకు 12") == ["ఓ", "సుకుమారా", "వానకు"]


def test_the_bundled_corpus_reads():
    sentences = corpus_sentences()
    assert len(sentences) > 19000 and sum(map(len, sentences)) > 60000


def test_the_lexicon_round_trips_through_its_file(tmp_path):
    wordlist = tmp_path / "words.txt.gz"
    wordlist.write_bytes(gzip.compress("వాన\tb\nచెట్టు\th\nపాట\tt\n".encode()))
    lexicon = build_lexicon(wordlist, ["కురిసింది", "వాన"])
    again = open_lexicon_file(write_lexicon_file(lexicon, tmp_path / "lexicon.bin"))
    assert to_iso("కురిసింది") in again and to_iso("వాన") in again.in_both and to_iso("చెట్టు") in again.curated
    assert to_iso("పాట") not in again.curated and to_iso("చెట్టు") not in again.in_both
    assert {key: again.words_with_skeleton(key) for key in lexicon.by_skeleton} == lexicon.by_skeleton
    seq = ["v", "ā", "n", "a"]
    assert again.model.logprob(seq) == lexicon.model.logprob(seq)
    (tmp_path / "other.bin").write_bytes(b'{"format": "nishabdham-telugu-lexicon/5"}')
    with pytest.raises(InputError, match="other.bin"):
        open_lexicon_file(tmp_path / "other.bin")
