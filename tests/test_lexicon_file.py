"""The lexicon's mapped file answers every query exactly as the in-memory tables it was written from.

The tables are what ``build_lexicon`` makes (and what version 5 read back from gzipped JSON);
the file is what ``nishabdham setup`` writes and every process maps. A sample of the real word
list (every 8th word of the installed list, with corpus words) is built both ways and asked the
queries the restorer asks: word membership and flags, the words of a skeleton in order, the
skeletons near a key (with rapidfuzz's order of ties), the character model's probabilities, and
whole restorations of romanized words.
"""

from __future__ import annotations

import gzip
import random

import pytest

from nishabdham.errors import DependencyError, InputError
from nishabdham.pipeline.codeswitch.lexicon import (
    LEXICON_DIRNAME,
    build_lexicon,
    lexicon_path,
    load_lexicon,
)
from nishabdham.pipeline.codeswitch.lexicon_file import open_lexicon_file, write_lexicon_file
from nishabdham.pipeline.codeswitch.lm import corpus_sentences, load_lm
from nishabdham.pipeline.codeswitch.restore import Restorer, normalize_latin
from nishabdham.pipeline.decode.model import default_models_dir
from nishabdham.pipeline.telugu import units


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The same sample of the real word list, as in-memory tables and as the mapped file."""
    installed = default_models_dir() / LEXICON_DIRNAME / "words.txt.gz"
    with gzip.open(installed, "rt", encoding="utf-8") as handle:
        rows = handle.read().splitlines()[::8]
    folder = tmp_path_factory.mktemp("lexicon")
    wordlist = folder / "words.txt.gz"
    wordlist.write_bytes(gzip.compress(("\n".join(rows) + "\n").encode("utf-8")))
    corpus = sorted({w for words in corpus_sentences() for w in words})[::4]
    tables = build_lexicon(wordlist, corpus)
    return tables, open_lexicon_file(write_lexicon_file(tables, folder / "lexicon.bin"))


def test_every_word_has_the_same_flags(both):
    tables, mapped = both
    assert len(tables.iso_to_word) > 40000 and len(mapped) == len(tables)
    for name in ("curated", "in_both", "function_words"):
        assert len(getattr(mapped, name)) == len(getattr(tables, name)) > 0
    for iso in tables.iso_to_word:
        expected = (True, iso in tables.curated, iso in tables.in_both, iso in tables.function_words)
        assert (iso in mapped, iso in mapped.curated, iso in mapped.in_both, iso in mapped.function_words) == expected
    for missing in ("", "xyz", "kavita" + "ṭṭṭ", "a\n", next(iter(tables.iso_to_word)) + "q"):
        assert missing not in mapped and missing not in mapped.curated and missing not in mapped.function_words


def test_every_skeleton_has_the_same_words_in_the_same_order(both):
    tables, mapped = both
    assert len(mapped.by_skeleton) == len(tables.by_skeleton)
    for key, words in tables.by_skeleton.items():
        assert key in mapped.by_skeleton and mapped.words_with_skeleton(key) == words
    assert mapped.words_with_skeleton("qqq") == [] and "qqq" not in mapped.by_skeleton


def test_near_skeletons_are_the_same_with_ties_in_the_same_order(both):
    tables, mapped = both
    rng = random.Random(20)
    keys = [key for key in tables.by_skeleton if key]
    queries = rng.sample(keys, 400) + [k[:-1] for k in rng.sample(keys, 200)] + [k + "a" for k in rng.sample(keys, 200)]
    queries += [k[:2] + k[3:] for k in rng.sample(keys, 200)] + ["", "p", "zzzzzzzz"]
    for query in queries:
        for distance in (1, 2):
            assert mapped.near_skeletons(query, distance) == tables.near_skeletons(query, distance), query


def test_the_character_model_gives_the_same_probabilities_bit_for_bit(both):
    tables, mapped = both
    rng = random.Random(20)
    assert mapped.model.start() == tables.model.start()
    for iso in rng.sample(sorted(tables.iso_to_word), 3000):
        seq = units(iso)
        assert mapped.model.logprob(seq) == tables.model.logprob(seq)
        assert mapped.model.logprob([*seq, "x", "ā"], final=False) == tables.model.logprob(
            [*seq, "x", "ā"], final=False
        )
    odd = [(("\x02", "\x02", "\x02"), "a"), (("k",), "a"), ((), "ṭ"), (("q", "a", "k"), "a"), (("a", "k", "a"), "?")]
    for context, unit in odd:
        assert mapped.model.prob(context, unit) == tables.model.prob(context, unit)


def test_restorations_are_the_same(both):
    tables, mapped = both
    lm = load_lm(str(default_models_dir()))
    old, new = Restorer(tables, lm=lm), Restorer(mapped, lm=lm)
    rng = random.Random(20)
    words = [normalize_latin(iso) for iso in rng.sample(sorted(tables.iso_to_word), 120)]
    words += ["meeru", "vinipinchindi", "kondalu", "padyam", "telugu", "kavitha", "bridge", "nenu", "ramudu"]
    for word in words:
        assert new.restore(word) == old.restore(word), word
    for first, second in [("sanki", "tanal"), ("kondal", "u"), ("melu", "no"), ("vaana", "kurisindi")]:
        assert new.merge(first, second) == old.merge(first, second)
    for word in ["vaanakurisindi", "telugupadyam", "nenuvachaanu"]:
        assert new.split(word) == old.split(word)


def test_a_missing_lexicon_names_nishabdham_setup_and_the_old_version(tmp_path):
    (tmp_path / "telugu-lexicon-v5").mkdir()
    with pytest.raises(
        DependencyError, match=r"missing \(only telugu-lexicon-v5, of an older version\).*nishabdham setup"
    ):
        load_lexicon(str(tmp_path))


def test_a_damaged_or_foreign_file_names_nishabdham_setup(tmp_path):
    wordlist = tmp_path / "words.txt.gz"
    wordlist.write_bytes(gzip.compress("వాన\tb\nచెట్టు\th\n".encode()))
    path = write_lexicon_file(build_lexicon(wordlist), lexicon_path(tmp_path))
    assert "vāna" in load_lexicon(str(tmp_path))
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"damaged.*nishabdham setup --force"):
        open_lexicon_file(path)
    path.write_bytes(gzip.compress(b'{"format": "nishabdham-telugu-lexicon/5"}'))
    with pytest.raises(InputError, match=r"not a nishabdham-telugu-lexicon/6 file.*nishabdham setup --force"):
        open_lexicon_file(path)
    path.write_bytes(b"")
    with pytest.raises(InputError, match="lexicon.bin"):
        open_lexicon_file(path)
