"""The Telugu lexicon as one read-only file, mapped into memory and shared by every process.

``nishabdham setup`` writes the lexicon that :func:`~.lexicon.build_lexicon` makes into
``<models>/telugu-lexicon-v6/lexicon.bin``. A process maps the file (``mmap``) and answers
every lookup from the mapped bytes without copying them into Python objects: the pages sit
once in the operating system's page cache, however many worker processes read them (about
20 MB in all, against about 208 MB of dicts and sets in every process for the gzipped JSON
of version 5; figures in ``docs/MEMORY.md``). The answers are the same as the in-memory
tables': the same words, flags, skeleton lists in the same order, and the same character
model probabilities, bit for bit.

Layout: 8 bytes of magic, the header's length (4 bytes, little-endian), the header (JSON:
format, byte order, counts, the buckets, where each section lies and the SHA-256 of the
body), padding to 8 bytes, then the body, one section after another, each aligned to 8:

* ``words`` / ``word_starts``: the ISO 15919 words in UTF-8, each followed by a newline,
  grouped by skeleton; word *i* is ``words[word_starts[i]:word_starts[i+1]-1]``;
* ``word_hashes`` / ``word_ids``: CRC-32 of each word, sorted, with the word's number (a
  lookup is a binary search and one comparison of bytes); ``word_flags``: one byte a word;
* ``skeletons``, ``skeleton_starts``, ``skeleton_hashes``, ``skeleton_ids`` likewise, the
  skeletons sorted (stably) by first letter and length, so that a bucket of :meth:`near_skeletons`
  is one stretch of text; ``skeleton_words``: where each skeleton's words begin;
* ``contexts`` (length and unit numbers packed in an integer, sorted), ``context_totals``,
  ``context_types``, ``context_starts``, ``next_units``, ``next_counts``: the character model.
"""

from __future__ import annotations

import hashlib
import json
import math
import mmap
import sys
import zlib
from array import array
from bisect import bisect_left
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nishabdham.errors import InputError
from nishabdham.files import atomic_write_bytes

if TYPE_CHECKING:
    from nishabdham.pipeline.codeswitch.lexicon import CharModel, LexiconTables

MAGIC = b"NSHLEX\r\n"
FORMAT = "nishabdham-telugu-lexicon/6"
CURATED, IN_BOTH, FUNCTION = 1, 2, 4
_BOS, _EOS = "\x02", "\x03"
_ALIGN = 8
#: A context's length goes above its packed unit numbers (8 bits each; the model's order is at most 4).
_LENGTH_SHIFT = 24
_BUCKET_CACHE = 32
"""Buckets of skeletons kept decoded: the restorer asks the same few again and again (32 of the
largest would hold 8 MB; most are far smaller)."""
_WORD_CACHE = 1 << 14
"""Words whose number is kept (about 2 MB): a candidate is asked for four times (listed, and each flag)."""


class CharScores:
    """What a character model answers, given ``prob``: the padded start and a word's log probability."""

    order: int

    def prob(self, context: tuple[str, ...], unit: str) -> float:  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    def start(self) -> tuple[str, ...]:
        return (_BOS,) * (self.order - 1)

    def logprob(self, seq: list[str], final: bool = True) -> float:
        ctx, total = self.start(), 0.0
        for unit in [*seq, _EOS] if final else seq:
            total += math.log(self.prob(ctx, unit))
            ctx = (*ctx[1:], unit)
        return total


# --------------------------------------------------------------------------- writing


def write_lexicon_file(lexicon: LexiconTables, target: Path) -> Path:
    """Write ``lexicon`` (the in-memory tables of :func:`~.lexicon.build_lexicon`) to ``target``."""
    sections: dict[str, bytes | array] = {}
    keys = sorted(lexicon.by_skeleton, key=lambda key: (key[:1], len(key)))  # stable: buckets keep their order
    words = [iso for key in keys for iso in lexicon.by_skeleton[key]]
    if len(set(words)) != len(words) or set(words) != set(lexicon.iso_to_word):
        raise ValueError("the skeleton lists and the word list do not hold the same words")
    _put_strings(sections, "word", words)
    _put_strings(sections, "skeleton", keys)
    sections["word_flags"] = bytes(
        (CURATED if w in lexicon.curated else 0)
        | (IN_BOTH if w in lexicon.in_both else 0)
        | (FUNCTION if w in lexicon.function_words else 0)
        for w in words
    )
    starts, total = array("I", [0]), 0
    for key in keys:
        total += len(lexicon.by_skeleton[key])
        starts.append(total)
    sections["skeleton_words"] = starts
    units = _put_char_model(sections, lexicon.model)
    buckets: list[list[Any]] = []
    for number, key in enumerate(keys):
        if not key:
            continue
        if buckets and buckets[-1][:2] == [key[0], len(key)]:
            buckets[-1][3] = number + 1
        else:
            buckets.append([key[0], len(key), number, number + 1])
    body, placed = _layout(sections)
    header = {
        "format": FORMAT,
        "byteorder": sys.byteorder,
        "words": len(words),
        "skeletons": len(keys),
        "function_words": len(lexicon.function_words),
        "curated": len(lexicon.curated),
        "in_both": len(lexicon.in_both),
        "char_model": {"order": lexicon.model.order, "units": units, "vocab_size": len(lexicon.model.vocab)},
        "buckets": buckets,
        "sections": placed,
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    prefix = MAGIC + len(head).to_bytes(4, "little") + head
    prefix += b"\0" * (-len(prefix) % _ALIGN)
    return atomic_write_bytes(target, prefix + body)


def _put_strings(sections: dict, name: str, strings: list[str]) -> None:
    encoded = [s.encode("utf-8") for s in strings]
    if any(b"\n" in data for data in encoded):
        raise ValueError(f"a {name} holds a newline")
    starts, total = array("I", [0]), 0
    for data in encoded:
        total += len(data) + 1
        starts.append(total)
    order = sorted(range(len(encoded)), key=lambda i: (zlib.crc32(encoded[i]), i))
    sections[f"{name}s"] = b"".join(data + b"\n" for data in encoded)
    sections[f"{name}_starts"] = starts
    sections[f"{name}_hashes"] = array("I", [zlib.crc32(encoded[i]) for i in order])
    sections[f"{name}_ids"] = array("I", order)


def _put_char_model(sections: dict, model: CharModel) -> list[str]:
    """The model's counts as sorted integer arrays; returns its units (number ``i + 1`` is ``units[i]``)."""
    if model.order > 4:
        raise ValueError("the character model's order is above 4")
    seen = {unit for ctx, (nexts, _, _) in model.table.items() for unit in (*ctx, *nexts)}
    units = sorted(seen | set(model.vocab) | {_BOS})
    if len(units) > 255:
        raise ValueError("the character model has more than 255 units")
    number = {unit: i + 1 for i, unit in enumerate(units)}
    rows = sorted((_pack([number[u] for u in ctx]), entry) for ctx, entry in model.table.items())
    contexts, totals, types, starts = array("I"), array("I"), array("I"), array("I", [0])
    next_units, next_counts = bytearray(), array("I")
    for key, (nexts, total, kinds) in rows:
        contexts.append(key)
        totals.append(total)
        types.append(kinds)
        for unit, count in sorted(nexts.items(), key=lambda kv: number[kv[0]]):
            next_units.append(number[unit])
            next_counts.append(count)
        starts.append(len(next_units))
    sections.update(contexts=contexts, context_totals=totals, context_types=types, context_starts=starts)
    sections.update(next_units=bytes(next_units), next_counts=next_counts)
    return units


def _pack(numbers: list[int] | tuple[int, ...]) -> int:
    """A context as one integer: its length above its unit numbers, 8 bits each."""
    key = 0
    for n in numbers:
        key = key << 8 | n
    return len(numbers) << _LENGTH_SHIFT | key


def _layout(sections: dict[str, bytes | array]) -> tuple[bytes, dict[str, list]]:
    body, placed = bytearray(), {}
    for name, data in sections.items():
        body += b"\0" * (-len(body) % _ALIGN)
        raw = data.tobytes() if isinstance(data, array) else bytes(data)
        placed[name] = [len(body), len(raw), data.typecode if isinstance(data, array) else "B"]
        body += raw
    return bytes(body), placed


# --------------------------------------------------------------------------- reading


class _Strings:
    """Strings in one stretch of the file (each followed by a newline), with their hash index."""

    def __init__(self, data: mmap.mmap, base: int, starts: memoryview, hashes: memoryview, ids: memoryview) -> None:
        self._data, self._base = data, base
        self._starts, self._hashes, self._ids = starts, hashes, ids

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, number: int) -> str:
        return self.span(number, number + 1)[0]

    def span(self, first: int, end: int) -> list[str]:
        """Strings ``first`` to ``end - 1``."""
        if first >= end:
            return []
        start, stop = self._base + self._starts[first], self._base + self._starts[end] - 1
        return self._data[start:stop].decode("utf-8").split("\n")

    def find(self, text: str) -> int:
        """The number of ``text``, or -1 when it is not in the table."""
        data = text.encode("utf-8")
        wanted = zlib.crc32(data)
        hashes, starts, base = self._hashes, self._starts, self._base
        i = bisect_left(hashes, wanted)
        while i < len(hashes) and hashes[i] == wanted:
            number = self._ids[i]
            if self._data[base + starts[number] : base + starts[number + 1] - 1] == data:
                return number
            i += 1
        return -1


class _Flagged:
    """The words with one flag (``in`` and ``len``, like the set it stands for)."""

    def __init__(self, lexicon: MappedLexicon, flag: int, count: int) -> None:
        self._lexicon, self._flag, self._count = lexicon, flag, count

    def __contains__(self, iso: object) -> bool:
        return isinstance(iso, str) and bool(self._lexicon.flags(iso) & self._flag)

    def __len__(self) -> int:
        return self._count


class _Skeletons:
    """The skeletons that have words (``in``, and ``get`` like the dict it stands for)."""

    def __init__(self, lexicon: MappedLexicon) -> None:
        self._lexicon = lexicon

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lexicon.skeletons.find(key) >= 0

    def __len__(self) -> int:
        return len(self._lexicon.skeletons)

    def get(self, key: str, default: list[str] | None = None) -> list[str] | None:
        return self._lexicon.words_with_skeleton(key) or default


class MappedCharModel(CharScores):
    """The character model answered from the mapped counts (same arithmetic as :class:`~.lexicon.CharModel`).

    The contexts (23 k) are indexed in a dict of tuples, about 3 MB per process, as the model asks
    four of them per probability; the counts stay in the file.
    """

    def __init__(self, order: int, units: list[str], vocab_size: int, arrays: dict[str, memoryview]) -> None:
        self.order = order
        self._number = {unit: i + 1 for i, unit in enumerate(units)}
        self._uniform = 1.0 / max(vocab_size, 1)
        self._rows = {_unpack(key, units): row for row, key in enumerate(arrays["contexts"])}
        self._totals, self._types = arrays["context_totals"], arrays["context_types"]
        self._starts, self._units, self._counts = arrays["context_starts"], arrays["next_units"], arrays["next_counts"]
        self.prob = lru_cache(maxsize=1 << 18)(self._prob)

    def _prob(self, context: tuple[str, ...], unit: str) -> float:
        """P(unit | context), Witten-Bell interpolated as in :meth:`~.lexicon.CharModel._prob`."""
        p = self._uniform
        wanted = self._number.get(unit, 0)
        rows, starts, units = self._rows, self._starts, self._units
        for k in range(0, self.order):
            row = rows.get(context[len(context) - k :] if k else ())
            if row is None:
                break
            start, end = starts[row], starts[row + 1]
            count = 0
            if wanted:
                at = bisect_left(units, wanted, start, end)
                count = self._counts[at] if at < end and units[at] == wanted else 0
            total, types = self._totals[row], self._types[row]
            p = (count + types * p) / (total + types)
        return p


def _unpack(key: int, units: list[str]) -> tuple[str, ...]:
    """The context :func:`_pack` made ``key`` of."""
    length, packed = key >> _LENGTH_SHIFT, key & ((1 << _LENGTH_SHIFT) - 1)
    return tuple(units[(packed >> (8 * (length - 1 - i)) & 0xFF) - 1] for i in range(length))


class MappedLexicon:
    """The lexicon's lookups answered from a mapped ``lexicon.bin`` (see the module's notes)."""

    def __init__(self, path: Path, data: mmap.mmap, header: dict, base: int) -> None:
        self.path = path
        view = memoryview(data)
        arrays = {
            name: view[base + offset : base + offset + size].cast(code)
            for name, (offset, size, code) in header["sections"].items()
            if name not in ("words", "skeletons")
        }
        spans = header["sections"]
        self.words = _Strings(
            data, base + spans["words"][0], arrays["word_starts"], arrays["word_hashes"], arrays["word_ids"]
        )
        self.skeletons = _Strings(
            data,
            base + spans["skeletons"][0],
            arrays["skeleton_starts"],
            arrays["skeleton_hashes"],
            arrays["skeleton_ids"],
        )
        self._flags, self._skeleton_words = arrays["word_flags"], arrays["skeleton_words"]
        self._buckets = {(first, length): (start, end) for first, length, start, end in header["buckets"]}
        self.bucket = lru_cache(maxsize=_BUCKET_CACHE)(self._bucket)
        self.number = lru_cache(maxsize=_WORD_CACHE)(self.words.find)
        self.curated = _Flagged(self, CURATED, header["curated"])
        self.in_both = _Flagged(self, IN_BOTH, header["in_both"])
        self.function_words = _Flagged(self, FUNCTION, header["function_words"])
        self.by_skeleton = _Skeletons(self)
        cm = header["char_model"]
        self.model = MappedCharModel(cm["order"], cm["units"], cm["vocab_size"], arrays)

    def __contains__(self, iso: object) -> bool:
        return isinstance(iso, str) and self.number(iso) >= 0

    def __len__(self) -> int:
        return len(self.words)

    def flags(self, iso: str) -> int:
        """The word's flags (:data:`CURATED`, :data:`IN_BOTH`, :data:`FUNCTION`); 0 for a word not listed."""
        number = self.number(iso)
        return self._flags[number] if number >= 0 else 0

    def words_with_skeleton(self, key: str) -> list[str]:
        number = self.skeletons.find(key)
        if number < 0:
            return []
        return self.words.span(self._skeleton_words[number], self._skeleton_words[number + 1])

    def _bucket(self, first: str, length: int) -> list[str]:
        where = self._buckets.get((first, length))
        return self.skeletons.span(*where) if where else []

    def near_skeletons(self, key: str, max_distance: int) -> list[tuple[str, int]]:
        """Skeletons within ``max_distance`` edits of ``key`` (same first letter, similar length)."""
        from rapidfuzz.distance import Levenshtein
        from rapidfuzz.process import extract

        if not key:
            return []
        found = []
        for length in range(len(key) - max_distance, len(key) + max_distance + 1):
            choices = self.bucket(key[0], length)
            if choices:
                hits = extract(key, choices, scorer=Levenshtein.distance, score_cutoff=max_distance, limit=50)
                found.extend((choice, int(score)) for choice, score, _ in hits)
        return sorted(found, key=lambda x: x[1])


def open_lexicon_file(path: Path) -> MappedLexicon:
    """Map ``path`` after checking its format and checksum (:class:`InputError` naming `nishabdham setup`)."""
    try:
        with open(path, "rb") as handle:
            header, base = _read_header(handle, path)
            handle.seek(base)
            if hashlib.file_digest(handle, "sha256").hexdigest() != header["sha256"]:
                raise InputError("the Telugu lexicon is damaged (checksum); run `nishabdham setup --force`", path=path)
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise InputError(
            f"the Telugu lexicon cannot be read ({exc.strerror}); run `nishabdham setup --force`", path=path
        ) from exc
    return MappedLexicon(path, data, header, base)


def _read_header(handle: Any, path: Path) -> tuple[dict, int]:
    stale = InputError(f"not a {FORMAT} file; run `nishabdham setup --force`", path=path)
    start = handle.read(len(MAGIC) + 4)
    if len(start) < len(MAGIC) + 4 or start[: len(MAGIC)] != MAGIC:
        raise stale
    size = int.from_bytes(start[len(MAGIC) :], "little")
    try:
        header = json.loads(handle.read(size).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise stale from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise stale
    if header.get("byteorder") != sys.byteorder or array("I").itemsize != 4:
        raise InputError("the Telugu lexicon was built on another kind of machine; run `nishabdham setup --force`")
    base = len(start) + size
    return header, base + (-base % _ALIGN)
