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

The lexicon is stored as plain gzipped JSON (words, flags, skeleton index and the
character model's counts), never as a pickle: it loads without running code from
the file and reads the same in any version of the project.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import shutil
import subprocess
import tempfile
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nishabdham.errors import DependencyError, InputError
from nishabdham.files import atomic_write_bytes
from nishabdham.pipeline.telugu import from_iso, is_telugu_word, skeleton, to_iso_many, units

log = logging.getLogger(__name__)

HUNSPELL_DIC = Path("/usr/share/hunspell/te_IN.dic")
TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata/tel.traineddata")
LEXICON_DIRNAME = "telugu-lexicon-v5"
LEXICON_FORMAT = "nishabdham-telugu-lexicon/5"
ORDER = 4
_BOS, _EOS = "\x02", "\x03"
_SEP = "\x1f"


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


class CharModel:
    """A Witten-Bell interpolated n-gram model over ISO 15919 units."""

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

    def start(self) -> tuple[str, ...]:
        return (_BOS,) * (self.order - 1)

    def logprob(self, seq: list[str], final: bool = True) -> float:
        ctx, total = self.start(), 0.0
        for unit in [*seq, _EOS] if final else seq:
            total += math.log(self.prob(ctx, unit))
            ctx = (*ctx[1:], unit)
        return total

    def to_json(self) -> dict:
        """The counts as plain data (contexts joined with U+001F)."""
        return {
            "order": self.order,
            "vocab": sorted(self.vocab),
            "table": {_SEP.join(ctx): nexts for ctx, (nexts, _, _) in self.table.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> CharModel:
        model = cls(int(data["order"]))
        del model.counts
        model.vocab = set(data["vocab"])
        model.table = {}
        for key, nexts in data["table"].items():
            ctx = tuple(key.split(_SEP)) if key else ()
            model.table[ctx] = (nexts, sum(nexts.values()), len(nexts))
        model._uniform = 1.0 / max(len(model.vocab), 1)
        model.prob = lru_cache(maxsize=1 << 18)(model._prob)
        return model


# --------------------------------------------------------------------------- the lexicon


@dataclass
class Lexicon:
    """Telugu words by ISO form and by skeleton, with the character model."""

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


def build_lexicon(wordlist: Path, corpus_words: list[str] = ()) -> Lexicon:
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
    return Lexicon(iso_to_word, curated, in_both, function_words, dict(by_skeleton), dict(buckets), model)


def _function_words() -> list[str]:
    from telugu_stopwords import tsw

    words = tsw().stopwords["telugu"]
    return sorted({unicodedata.normalize("NFC", w) for w in words if " " not in w and is_telugu_word(w)})


def _from_iso_many(isos: list[str]) -> list[str]:
    """ISO back to Telugu for many words; malformed list entries (say, a vowel sign after a virama) do not come back the same."""
    from indic_transliteration import sanscript

    return sanscript.transliterate("\n".join(isos), sanscript.ISO, sanscript.TELUGU).split("\n") if isos else []


def lexicon_path(models_dir: Path) -> Path:
    return models_dir / LEXICON_DIRNAME / "lexicon.json.gz"


def lexicon_to_json(lexicon: Lexicon) -> dict:
    """The lexicon as plain data (what :func:`lexicon_from_json` reads back)."""
    return {
        "format": LEXICON_FORMAT,
        "words": lexicon.iso_to_word,
        "curated": sorted(lexicon.curated),
        "in_both": sorted(lexicon.in_both),
        "function_words": sorted(lexicon.function_words),
        "by_skeleton": lexicon.by_skeleton,
        "char_model": lexicon.model.to_json(),
    }


def lexicon_from_json(data: dict, path: Path | str = "") -> Lexicon:
    if not isinstance(data, dict) or data.get("format") != LEXICON_FORMAT:
        raise InputError(f"not a {LEXICON_FORMAT} file; run `nishabdham setup --force`", path=path or None)
    by_skeleton = data["by_skeleton"]
    buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
    for key in by_skeleton:
        if key:
            buckets[(key[0], len(key))].append(key)
    return Lexicon(
        data["words"],
        set(data["curated"]),
        set(data["in_both"]),
        set(data["function_words"]),
        by_skeleton,
        dict(buckets),
        CharModel.from_json(data["char_model"]),
    )


def install_lexicon(models_dir: Path, force: bool = False) -> Path:
    """Build the word list and the lexicon (gzipped JSON) in ``models_dir`` (idempotent)."""
    from nishabdham.pipeline.codeswitch.lm import corpus_sentences

    target = lexicon_path(models_dir)
    if target.is_file() and not force:
        return target
    wordlist = build_wordlist(models_dir)
    corpus_words = sorted({w for words in corpus_sentences() for w in words})
    lexicon = build_lexicon(wordlist, corpus_words)
    text = json.dumps(lexicon_to_json(lexicon), ensure_ascii=False, separators=(",", ":"))
    atomic_write_bytes(target, gzip.compress(text.encode("utf-8"), compresslevel=5))
    return target


@lru_cache(maxsize=2)
def load_lexicon(models_dir: str) -> Lexicon:
    """The lexicon of ``models_dir``, built on first use and loaded once per process."""
    path = install_lexicon(Path(models_dir))
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, EOFError, ValueError) as exc:
        raise InputError(
            f"the Telugu lexicon cannot be read ({exc}); run `nishabdham setup --force`", path=path
        ) from exc
    return lexicon_from_json(data, path)
