"""Telugu words: the word list, a character model of Telugu spelling, and fuzzy lookup.

Sources (both free, both installed as Debian packages by ``make setup``; the
list is built once into the models directory by ``nishabdham setup``):

* ``hunspell-te`` — the Telugu hunspell dictionary of LibreOffice
  (IndLinux, Arjuna Rao Chavala; GPL-2+): 125 k words.
* ``tesseract-ocr-tel`` — the word list inside Tesseract's Telugu model
  (Google, tessdata_fast; Apache-2.0), extracted with ``combine_tessdata`` and
  ``dawg2wordlist``: 221 k words of web text.
* ``telugu-stopwords`` (PyPI, MIT) — about 400 function words (pronouns,
  postpositions, auxiliaries): the most frequent words of the language.

* the Common Voice Telugu sentence collection (CC0-1.0, bundled; see
  :mod:`~nishabdham.pipeline.codeswitch.lm`): its 33 k word types join the list
  (classical verse has many forms the lists lack).

The big lists have no frequencies, so the character model is trained on word
types: it knows which spellings look Telugu (``ండ`` rather than ``న్డ``), not
which words are common; word frequencies come from the word model
(:mod:`~nishabdham.pipeline.codeswitch.lm`).

``nishabdham setup`` builds the lexicon once and writes it as one read-only binary file
(:mod:`~nishabdham.pipeline.codeswitch.lexicon_file`: words, flags, skeleton index and the
character model's counts in flat arrays), never as a pickle: a process maps the file into
memory and every worker process shares its pages, instead of holding about 208 MB of
dicts each. A missing or stale file is an error that names ``nishabdham setup``.
"""

from __future__ import annotations

import gzip
import logging
import shutil
import subprocess
import tempfile
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from nishabdham.errors import DependencyError
from nishabdham.files import atomic_write_bytes
from nishabdham.pipeline.codeswitch.lexicon_file import CharScores, MappedLexicon, open_lexicon_file, write_lexicon_file
from nishabdham.pipeline.telugu import from_iso, is_telugu_word, skeleton, to_iso_many, units

log = logging.getLogger(__name__)

HUNSPELL_DIC = Path("/usr/share/hunspell/te_IN.dic")
TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata/tel.traineddata")
#: Bumped whenever the file or what goes into it changes: a new folder, so a stale one is never read.
LEXICON_DIRNAME = "telugu-lexicon-v6"
ORDER = 4
_BOS, _EOS = "\x02", "\x03"


# --------------------------------------------------------------------------- building the word list


def build_wordlist(target_dir: Path) -> Path:
    """Union of the hunspell and Tesseract Telugu word lists, NFC, one word per line (idempotent)."""
    target = target_dir / LEXICON_DIRNAME / "words.txt.gz"
    if target.is_file():
        return target
    words: dict[str, str] = {}
    for source, loader in (("tesseract", _tesseract_words), ("hunspell", _hunspell_words)):
        for word in loader():
            word = unicodedata.normalize("NFC", word.replace("\u200c", "").replace("\u200d", "")).strip()
            if word and is_telugu_word(word):
                seen = words.get(word)
                words[word] = "t" if source == "tesseract" else ("b" if seen == "t" else "h")
    text = "".join(f"{word}\t{words[word]}\n" for word in sorted(words))
    atomic_write_bytes(target, gzip.compress(text.encode("utf-8")))
    log.info("Telugu word list: %d words in %s", len(words), target)
    return target


def _hunspell_words() -> list[str]:
    if not HUNSPELL_DIC.is_file():
        raise DependencyError(f"{HUNSPELL_DIC} is missing: install the Debian package hunspell-te (`make setup`)")
    lines = HUNSPELL_DIC.read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("/")[0] for line in lines]


def _tesseract_words() -> list[str]:
    tools = [shutil.which("combine_tessdata"), shutil.which("dawg2wordlist")]
    if not TESSDATA.is_file() or not all(tools):
        raise DependencyError("the Tesseract Telugu word list needs tesseract-ocr and tesseract-ocr-tel (`make setup`)")
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "tel.")
        subprocess.run([tools[0], "-u", str(TESSDATA), prefix], check=True, capture_output=True)
        out = Path(tmp) / "words.txt"
        subprocess.run(
            [tools[1], prefix + "lstm-unicharset", prefix + "lstm-word-dawg", str(out)], check=True, capture_output=True
        )
        return out.read_text(encoding="utf-8").splitlines()


# --------------------------------------------------------------------------- the character model


class CharModel(CharScores):
    """A Witten-Bell interpolated n-gram model over ISO 15919 units (trained in memory)."""

    def __init__(self, order: int = ORDER) -> None:
        self.order = order
        self.counts: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.vocab: set[str] = set()

    def train(self, sequences: list[list[str]]) -> CharModel:
        pad = (_BOS,) * (self.order - 1)
        for seq in sequences:
            padded = pad + tuple(seq) + (_EOS,)
            self.vocab.update(seq)
            for i in range(self.order - 1, len(padded)):
                for k in range(self.order):
                    self.counts[padded[i - k : i]][padded[i]] += 1
        self.vocab.add(_EOS)
        self._freeze()
        return self

    def _freeze(self) -> None:
        self.table = {ctx: (dict(nexts), sum(nexts.values()), len(nexts)) for ctx, nexts in self.counts.items()}
        del self.counts
        self._uniform = 1.0 / max(len(self.vocab), 1)
        self.prob = lru_cache(maxsize=1 << 18)(self._prob)

    def _prob(self, context: tuple[str, ...], unit: str) -> float:
        """P(unit | context), context the previous units (padded with BOS); cached per model as ``prob``."""
        p = self._uniform
        for k in range(0, self.order):
            ctx = context[len(context) - k :] if k else ()
            entry = self.table.get(ctx)
            if entry is None:
                break
            nexts, total, types = entry
            p = (nexts.get(unit, 0) + types * p) / (total + types)
        return p


# --------------------------------------------------------------------------- the lexicon


class WordSet(Protocol):
    """``in`` and ``len``: a set of words, or the mapped file's view of one flag."""

    def __contains__(self, iso: object) -> bool: ...
    def __len__(self) -> int: ...


class Lexicon(Protocol):
    """What the restorer asks of the word list: :class:`LexiconTables` as built, or the mapped file as loaded."""

    curated: WordSet
    in_both: WordSet
    function_words: WordSet
    by_skeleton: WordSet
    """The skeletons that have words."""
    model: CharScores

    def __contains__(self, iso: str) -> bool: ...
    def __len__(self) -> int: ...
    def words_with_skeleton(self, key: str) -> list[str]: ...
    def near_skeletons(self, key: str, max_distance: int) -> list[tuple[str, int]]: ...


@dataclass
class LexiconTables:
    """Telugu words by ISO form and by skeleton, with the character model, in memory (as built)."""

    iso_to_word: dict[str, str]
    curated: set[str]
    """Words in the hand-made hunspell list."""
    in_both: set[str]
    """Words in both lists (curated and seen on the web): the surest spellings."""
    function_words: set[str]
    """The commonest words of the language (telugu-stopwords)."""
    by_skeleton: dict[str, list[str]]
    buckets: dict[tuple[str, int], list[str]]
    model: CharModel

    def __contains__(self, iso: str) -> bool:
        return iso in self.iso_to_word

    def __len__(self) -> int:
        return len(self.iso_to_word)

    def words_with_skeleton(self, key: str) -> list[str]:
        return self.by_skeleton.get(key, [])

    def near_skeletons(self, key: str, max_distance: int) -> list[tuple[str, int]]:
        """Skeletons within ``max_distance`` edits of ``key`` (same first letter, similar length)."""
        from rapidfuzz.distance import Levenshtein
        from rapidfuzz.process import extract

        if not key:
            return []
        found = []
        for length in range(len(key) - max_distance, len(key) + max_distance + 1):
            choices = self.buckets.get((key[0], length))
            if choices:
                hits = extract(key, choices, scorer=Levenshtein.distance, score_cutoff=max_distance, limit=50)
                found.extend((choice, int(score)) for choice, score, _ in hits)
        return sorted(found, key=lambda x: x[1])


def build_lexicon(wordlist: Path, corpus_words: list[str] = ()) -> LexiconTables:
    """The lexicon of the word list, plus the corpus's words the list lacks (flag ``c``)."""
    with gzip.open(wordlist, "rt", encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle if line.strip()]
    listed = {r[0] for r in rows}
    rows += [[w, "c"] for w in sorted(set(corpus_words) - listed)]
    words = [r[0] for r in rows]
    isos = to_iso_many(words)
    back = _from_iso_many(isos)
    keep = [i for i, (word, again) in enumerate(zip(words, back)) if word == again]
    rows, words, isos = [rows[i] for i in keep], [words[i] for i in keep], [isos[i] for i in keep]
    iso_to_word = dict(zip(isos, words))
    curated = {iso for iso, r in zip(isos, rows) if len(r) > 1 and r[1] in "hb"}
    in_both = {iso for iso, r in zip(isos, rows) if len(r) > 1 and r[1] == "b"}
    function_words = set(to_iso_many(_function_words()))
    for iso in sorted(function_words - set(iso_to_word)):
        iso_to_word[iso] = from_iso(iso)
    by_skeleton: dict[str, list[str]] = defaultdict(list)
    for iso in dict.fromkeys([*isos, *sorted(function_words)]):
        by_skeleton[skeleton(iso)].append(iso)
    buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
    for key in by_skeleton:
        if key:
            buckets[(key[0], len(key))].append(key)
    model = CharModel().train([units(iso) for iso in isos])
    return LexiconTables(iso_to_word, curated, in_both, function_words, dict(by_skeleton), dict(buckets), model)


def _function_words() -> list[str]:
    from telugu_stopwords import tsw

    words = tsw().stopwords["telugu"]
    return sorted({unicodedata.normalize("NFC", w) for w in words if " " not in w and is_telugu_word(w)})


def _from_iso_many(isos: list[str]) -> list[str]:
    """ISO back to Telugu for many words; malformed list entries (say, a vowel sign after a virama) do not come back the same."""
    from indic_transliteration import sanscript

    return sanscript.transliterate("\n".join(isos), sanscript.ISO, sanscript.TELUGU).split("\n") if isos else []


def lexicon_path(models_dir: Path) -> Path:
    return models_dir / LEXICON_DIRNAME / "lexicon.bin"


def install_lexicon(models_dir: Path, force: bool = False) -> Path:
    """Build the word list and the lexicon file in ``models_dir`` (idempotent; about a minute)."""
    from nishabdham.pipeline.codeswitch.lm import corpus_sentences

    target = lexicon_path(models_dir)
    if target.is_file() and not force:
        return target
    wordlist = build_wordlist(models_dir)
    corpus_words = sorted({w for words in corpus_sentences() for w in words})
    write_lexicon_file(build_lexicon(wordlist, corpus_words), target)
    log.info("Telugu lexicon written to %s", target)
    return target


@lru_cache(maxsize=2)
def load_lexicon(models_dir: str) -> MappedLexicon:
    """The lexicon of ``models_dir``, mapped once per process (its pages are shared between processes)."""
    path = lexicon_path(Path(models_dir))
    if not path.is_file():
        older = sorted(p.name for p in Path(models_dir).glob("telugu-lexicon-v*") if p.name != LEXICON_DIRNAME)
        found = f" (only {', '.join(older)}, of an older version)" if older else ""
        raise DependencyError(f"the Telugu lexicon {path} is missing{found}: run `nishabdham setup`")
    return open_lexicon_file(path)
