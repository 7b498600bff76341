"""A Telugu word language model: which words are common, and which follow which.

Trained on the Common Voice Telugu sentence collection (19,511 sentences, 70,803
words, CC0-1.0; bundled as ``nishabdham/pipeline/data/te_cv_sentences.txt.gz``; the
dev and evaluation references were removed from it before it was published). Much
of it is classical verse from Telugu Wikisource, so it knows the words of poetry
readings well and everyday speech less.

The model is an interpolated Kneser-Ney bigram (absolute discount :data:`DISCOUNT`),
written by ``nishabdham setup`` as a standard ARPA file (gzip) into the models
directory (:data:`LM_DIRNAME`), so any ARPA reader (KenLM, SRILM) can use it too.
KenLM from PyPI (0.3.0) is a source package with the query library only: its
``lmplz`` builder needs Boost and a CMake build, so the counts are smoothed here
(a second on two cores) and the file is read back with a small reader; the model
has about 33 k unigrams and 62 k bigrams, a few MB in memory.

Words are kept in Telugu script in the file and in ISO 15919 in memory, as the
restorer works in ISO.
"""

from __future__ import annotations

import gzip
import logging
import math
import unicodedata
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import regex

from nishabdham.errors import DependencyError, InputError
from nishabdham.files import atomic_write_bytes
from nishabdham.pipeline.telugu import is_telugu_word, to_iso_many

log = logging.getLogger(__name__)

CORPUS = Path(__file__).resolve().parents[1] / "data" / "te_cv_sentences.txt.gz"
LM_DIRNAME = "telugu-lm-v1"
DISCOUNT = 0.75  # the usual Kneser-Ney discount (Chen & Goodman); not tuned
BOS, EOS, UNK = "<s>", "</s>", "<unk>"
_LN10 = math.log(10.0)
_WORD = regex.compile(r"[\p{Script=Telugu}\u200c\u200d]+")


def corpus_sentences(path: Path = CORPUS) -> list[list[str]]:
    """The corpus's sentences as lists of Telugu words (NFC, joiners and punctuation dropped)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise DependencyError(f"the Telugu sentence corpus cannot be read ({exc})") from exc
    return [words for line in lines if (words := tokenize(line))]


def tokenize(text: str) -> list[str]:
    """The Telugu-script words of ``text``."""
    text = unicodedata.normalize("NFC", text)
    out = []
    for word in _WORD.findall(text):
        word = word.replace("\u200c", "").replace("\u200d", "")
        if word and is_telugu_word(word):
            out.append(word)
    return out


# --------------------------------------------------------------------------- building


def arpa_from_sentences(sentences: list[list[str]], discount: float = DISCOUNT) -> str:
    """An interpolated Kneser-Ney bigram model of the sentences, as ARPA text.

    Unigrams are continuation probabilities (how many different words precede a word),
    with the discounted mass spread evenly over the vocabulary and ``<unk>``; a bigram's
    probability is the interpolated one, and a history's back-off weight is exactly the
    interpolation weight, so the ARPA back-off reading gives the same numbers.
    """
    bigrams: Counter[tuple[str, str]] = Counter()
    for words in sentences:
        padded = [BOS, *words, EOS]
        bigrams.update(zip(padded, padded[1:]))
    history: Counter[str] = Counter()
    followers: Counter[str] = Counter()
    preceders: Counter[str] = Counter()
    for (v, w), c in bigrams.items():
        history[v] += c
        followers[v] += 1
        preceders[w] += 1
    vocab = sorted(set(preceders) | {BOS})
    types = len(bigrams)
    spread = discount * len(preceders) / types / (len(preceders) + 1)  # over the predictable words and <unk>
    unigram = {w: max(preceders.get(w, 0) - discount, 0.0) / types + spread for w in vocab}
    unigram[BOS] = spread  # never predicted; kept tiny (ARPA convention: -99 would also do)
    unigram[UNK] = spread
    bow = {v: discount * followers[v] / history[v] for v in history}
    lines = ["", "\\data\\", f"ngram 1={len(unigram)}", f"ngram 2={len(bigrams)}", "", "\\1-grams:"]
    for w in sorted(unigram):
        entry = f"{math.log10(unigram[w]):.6f}\t{w}"
        lines.append(entry + (f"\t{math.log10(bow[w]):.6f}" if w in bow else ""))
    lines += ["", "\\2-grams:"]
    for (v, w), c in sorted(bigrams.items()):
        p = (c - discount) / history[v] + bow[v] * unigram[w]
        lines.append(f"{math.log10(p):.6f}\t{v} {w}")
    lines += ["", "\\end\\", ""]
    return "\n".join(lines)


def lm_path(models_dir: Path) -> Path:
    return models_dir / LM_DIRNAME / "words.arpa.gz"


def install_lm(models_dir: Path, force: bool = False, corpus: Path = CORPUS) -> Path:
    """Build the word model from the bundled corpus into ``models_dir`` (idempotent; about a second)."""
    target = lm_path(models_dir)
    if target.is_file() and not force:
        return target
    sentences = corpus_sentences(corpus)
    atomic_write_bytes(target, gzip.compress(arpa_from_sentences(sentences).encode("utf-8"), compresslevel=6))
    log.info("Telugu word model: %d sentences into %s", len(sentences), target)
    return target


# --------------------------------------------------------------------------- reading and querying


class WordLM:
    """A bigram back-off model read from ARPA; words in ISO 15919. Scores are natural logs."""

    def __init__(self, unigrams: dict[str, tuple[float, float]], bigrams: dict[tuple[str, str], float]) -> None:
        self.unigrams = unigrams
        self.bigrams = bigrams
        self.unk = unigrams.get(UNK, (-99.0, 0.0))[0]

    def __contains__(self, word: str) -> bool:
        return word in self.unigrams and word not in (BOS, EOS, UNK)

    def unigram(self, word: str) -> float:
        """ln P(word) without context (the unknown word's share for a word the corpus lacks)."""
        entry = self.unigrams.get(word)
        return entry[0] if entry is not None else self.unk

    def logprob(self, word: str, previous: str = BOS) -> float:
        """ln P(word | previous) with back-off."""
        found = self.bigrams.get((previous, word))
        if found is not None:
            return found
        back = self.unigrams.get(previous)
        return (back[1] if back is not None else 0.0) + self.unigram(word)

    def sentence(self, words: list[str]) -> float:
        """ln P of a whole sentence (with its start and end)."""
        total, previous = 0.0, BOS
        for word in [*words, EOS]:
            total += self.logprob(word, previous)
            previous = word
        return total


def read_arpa(path: Path) -> WordLM:
    """Read a (unigram and bigram) ARPA file written by :func:`arpa_from_sentences`, words turned into ISO."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputError(f"the word model cannot be read ({exc}); run `nishabdham setup --force`", path=path) from exc
    section, raw1, raw2 = 0, [], []
    for line in text.splitlines():
        if line.startswith("\\"):
            section = {"\\1-grams:": 1, "\\2-grams:": 2}.get(line, 0)
            continue
        if section and line:
            parts = line.split("\t")
            (raw1 if section == 1 else raw2).append(parts)
    if not raw1:
        raise InputError("not an ARPA file with unigrams", path=path)
    names = sorted({p[1] for p in raw1} - {BOS, EOS, UNK})
    iso = dict(zip(names, to_iso_many(names)))
    iso.update({BOS: BOS, EOS: EOS, UNK: UNK})
    unigrams = {iso[p[1]]: (float(p[0]) * _LN10, float(p[2]) * _LN10 if len(p) > 2 else 0.0) for p in raw1}
    bigrams = {}
    for p in raw2:
        v, w = p[1].split(" ")
        bigrams[(iso[v], iso[w])] = float(p[0]) * _LN10
    return WordLM(unigrams, bigrams)


@lru_cache(maxsize=2)
def load_lm(models_dir: str) -> WordLM:
    """The word model of ``models_dir``, built on first use and loaded once per process."""
    return read_arpa(install_lm(Path(models_dir)))


def corpus_counts(sentences: list[list[str]]) -> dict[str, int]:
    """How often each word occurs (for the word list: corpus words become candidates too)."""
    counts: defaultdict[str, int] = defaultdict(int)
    for words in sentences:
        for word in words:
            counts[word] += 1
    return dict(counts)
