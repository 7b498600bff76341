"""The library's search index: every line's phonetic key, cut into character n-grams, ranked by BM25.

Recognition of a voice the model has never heard gets many letters wrong, but the lossy
phonetic skeleton the aligner uses (:func:`~nishabdham.pipeline.known_text.align.text_key`:
vowel length, aspiration, retroflex and doubled consonants forgotten) keeps most of a line,
and runs of three and four of its characters survive in what was heard (error-tolerant
n-gram retrieval; Ng et al. 2000 combine 3- and 4-grams). Each library line is one document
of its 3- and 4-grams; a stretch of heard speech is a query of its own (:func:`ngrams`);
``bm25s`` ranks the lines (sparse matrices, in C).

The index is built once per library and kept on disk under the library's
:attr:`~nishabdham.pipeline.known_text.library.Library.digest` (and :data:`INDEX_VERSION`):
a changed file, a new file or a new version of the keys makes a new index, an unchanged
library loads the one it has.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import regex

from nishabdham.pipeline.known_text.align import text_key
from nishabdham.pipeline.known_text.library import Library
from nishabdham.pipeline.telugu import skeleton, to_iso_many

log = logging.getLogger(__name__)

INDEX_VERSION = 1
"""Bumped whenever the keys or the n-grams change: older cached indexes are then not used."""
GRAMS = (3, 4)
"""Lengths of the character n-grams of a key."""
_ENTRIES = "entries.json"
_WORD_LETTERS = regex.compile(r"[\p{L}\p{M}\u200c\u200d]+")  # as the aligner's text_key reads a word
_LATIN = regex.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Hit:
    """A library line that a query found: the poem's index in the library, the line's, the BM25 score."""

    poem: int
    line: int
    score: float


def line_key(text: str) -> str:
    """The phonetic key of a line of text (Telugu or Latin letters), as the aligner makes it."""
    return "".join(text_key(word) for word in text.split())


def line_keys(texts: list[str], chunk: int = 2000) -> list[str]:
    """:func:`line_key` of many lines, the Telugu words transliterated a few thousand at a time (much faster)."""
    words = [[_letters(w) for w in text.split()] for text in texts]
    telugu = sorted({w for line in words for w in line if w and not _LATIN.search(w)})
    iso: dict[str, str] = {}
    for i in range(0, len(telugu), chunk):
        iso.update(zip(telugu[i : i + chunk], to_iso_many(telugu[i : i + chunk])))
    return ["".join(text_key(w) if _LATIN.search(w) else skeleton(iso[w]) for w in line if w) for line in words]


def _letters(word: str) -> str:
    return "".join(_WORD_LETTERS.findall(unicodedata.normalize("NFC", word)))


def ngrams(key: str) -> list[str]:
    """The 3- and 4-grams of a key (a key shorter than 3 is its own one gram)."""
    if len(key) < min(GRAMS):
        return [key] if key else []
    return [key[i : i + n] for n in GRAMS for i in range(len(key) - n + 1)]


class LibraryIndex:
    """BM25 over the n-grams of every line of a library; built with :func:`build_index` or :func:`load_index`."""

    def __init__(self, digest: str, entries: list[tuple[int, int]], retriever) -> None:
        self.digest = digest
        self.entries = entries
        """(poem index, line index) of each document."""
        self._retriever = retriever

    def search(self, keys: list[str], k: int) -> list[list[Hit]]:
        """The ``k`` best lines for each query key (a key with no n-gram gets no hits)."""
        queries = [ngrams(key) for key in keys]
        out: list[list[Hit]] = [[] for _ in keys]
        asked = [i for i, q in enumerate(queries) if q]
        if not asked or not self.entries:
            return out
        k = min(k, len(self.entries))
        found, scores = self._retriever.retrieve([queries[i] for i in asked], k=k, show_progress=False, n_threads=1)
        for row, i in enumerate(asked):
            out[i] = [
                Hit(*self.entries[int(doc)], float(score)) for doc, score in zip(found[row], scores[row]) if score > 0
            ]
        return out


def build_index(library: Library) -> LibraryIndex:
    """Index every line of ``library`` (in memory)."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG on the root handler
    started = time.perf_counter()
    entries = [(p, line.index) for p, poem in enumerate(library.poems) for line in poem.text.lines]
    keys = line_keys([library.poems[p].text.lines[i].text for p, i in entries])
    corpus = [ngrams(key) or ["\u2205"] for key in keys]
    retriever = bm25s.BM25()
    if corpus:
        retriever.index(corpus, show_progress=False)
    log.info("indexed %d lines of %s in %.2f s", len(entries), library.root, time.perf_counter() - started)
    return LibraryIndex(library.digest, entries, retriever)


def cache_key(library: Library) -> str:
    return f"v{INDEX_VERSION}-{library.digest[:32]}"


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("nishabdham", appauthor=False)) / "library-index"


def load_index(library: Library, cache_dir: str | Path | None = None) -> LibraryIndex:
    """The index of ``library``: loaded from ``cache_dir`` when it was built before, else built and kept there.

    A cache that cannot be read or written is rebuilt or skipped (logged), never an error.
    """
    import bm25s

    folder = Path(cache_dir) if cache_dir else default_cache_dir()
    place = folder / cache_key(library)
    if (place / _ENTRIES).is_file():
        try:
            entries = [tuple(e) for e in json.loads((place / _ENTRIES).read_text(encoding="utf-8"))]
            retriever = bm25s.BM25.load(str(place), show_progress=False)
            log.info("library index of %s loaded from %s", library.root, place)
            return LibraryIndex(library.digest, entries, retriever)  # type: ignore[arg-type]
        except (OSError, ValueError, KeyError) as exc:
            log.warning("library index at %s cannot be read (%s): building it again", place, exc)
    index = build_index(library)
    _save(index, place)
    return index


def _save(index: LibraryIndex, place: Path) -> None:
    """Write the index to a temporary folder beside ``place``, then move it there whole."""
    if not index.entries:
        return
    try:
        place.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{place.name}-", dir=place.parent))
        index._retriever.save(str(work), show_progress=False)
        (work / _ENTRIES).write_text(json.dumps(index.entries), encoding="utf-8")
        try:
            work.rename(place)
        except OSError:  # another process kept the same index first
            shutil.rmtree(work, ignore_errors=True)
    except OSError as exc:
        log.warning("library index not kept at %s: %s", place, exc)


def search_text(index: LibraryIndex, query: str, k: int = 10) -> list[Hit]:
    """The library lines nearest to ``query`` (Telugu, or romanized as heard), best first."""
    (hits,) = index.search([line_key(query)], k)
    return hits
