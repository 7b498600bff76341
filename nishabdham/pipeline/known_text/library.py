"""The poem library: a folder of published texts that recordings are matched against (issue 22).

One poem per UTF-8 ``.txt`` file (sub-folders allowed), written as a given text is
(:mod:`~nishabdham.pipeline.known_text.verse`: one verse line per line, blank lines between
stanzas), with optional front matter between ``---`` lines at the very top::

    ---
    title: Vēmana Śatakam, verse 12
    poet: Vēmana
    metre: āṭaveladi
    source: Wikisource, వేమన శతకము
    ---
    ఉప్పుకప్పురంబు నొక్కపోలికనుండు
    ...

A poem's id is its path in the library without ``.txt`` (``vemana/012``); its title is the
front matter's, else the file's name. A declared metre must be one the project knows (a
vṛtta or a jāti, written with or without diacritics); without one the metre is identified
from the lines. :func:`read_library` reads every file and returns the poems with the
problems of the files it could not use, each naming the file and the line
(:class:`LibraryProblem`); :meth:`Library.digest` hashes every file's bytes and name, so an
index built for a library is found again exactly while the library is unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from nishabdham.errors import InputError
from nishabdham.pipeline.known_text.verse import JATIS, METRES, PoemText, VerseLine, identify_metre

log = logging.getLogger(__name__)

FIELDS = ("title", "poet", "metre", "source")
"""The front matter's keys (each optional, each at most once)."""
FENCE = "---"
SUFFIX = ".txt"


@dataclass(frozen=True, slots=True)
class LibraryProblem:
    """Why one file of the library cannot be used: the file, the line (0: the whole file), the reason."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}" if self.line else f"{self.path}: {self.reason}"


@dataclass(frozen=True, slots=True)
class LibraryPoem:
    """One published text of the library."""

    id: str
    """Its path in the library without ``.txt``, with ``/`` between folders."""
    title: str
    poet: str
    metre: str
    """As declared in the front matter (empty: not declared; :meth:`with_metre` identifies it)."""
    source: str
    text: PoemText
    """Its lines and stanzas (``VerseLine.number`` is the line number in the file)."""

    def with_metre(self) -> PoemText:
        """The text with its metre: the declared one, else identified from the lines (only when needed: slow)."""
        if self.metre:
            return replace(self.text, metre=self.metre)
        lines = self.text.lines
        return replace(self.text, metre=identify_metre([x.text for x in lines], [x.stanza for x in lines]))

    def line_label(self, index: int) -> str:
        """How a reviewer reads a line's place: ``Vēmana Śatakam, verse 12, line 3`` (1-based verse lines)."""
        return f"{self.title}, line {index + 1}"


@dataclass(frozen=True, slots=True)
class Library:
    """The poems of one library folder."""

    root: str
    poems: tuple[LibraryPoem, ...]
    digest: str
    """sha256 of every file's name and bytes (bad files too): the key of the cached index."""

    def poem(self, poem_id: str) -> LibraryPoem:
        for poem in self.poems:
            if poem.id == poem_id:
                return poem
        raise KeyError(poem_id)

    @property
    def line_count(self) -> int:
        return sum(len(p.text.lines) for p in self.poems)


def read_library(folder: str | Path) -> tuple[Library, list[LibraryProblem]]:
    """Every poem of ``folder``, and the problems of the files that could not be used.

    An error (:class:`InputError`) only when the folder itself is missing or not a folder.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError("poem library not found (it is a folder of .txt files, one poem each)", path=root)
    files = sorted(p for p in root.rglob(f"*{SUFFIX}") if p.is_file() and not _hidden(p, root))
    digest = hashlib.sha256()
    poems: list[LibraryPoem] = []
    problems: list[LibraryProblem] = []
    for path in files:
        poem_id = path.relative_to(root).with_suffix("").as_posix()
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(LibraryProblem(str(path), 0, f"cannot be read ({exc.strerror or exc})"))
            continue
        digest.update(poem_id.encode("utf-8") + b"\0" + hashlib.sha256(raw).digest())
        poem, problem = parse_poem(raw, poem_id, str(path))
        if problem is not None:
            problems.append(problem)
        else:
            poems.append(poem)
    for problem in problems:
        log.info("poem library: %s", problem)
    return Library(str(root), tuple(poems), digest.hexdigest()), problems


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def parse_poem(raw: bytes, poem_id: str, path: str = "") -> tuple[LibraryPoem | None, LibraryProblem | None]:
    """One library file: the poem, or the problem (file and line) that stops it being used."""
    path = path or f"{poem_id}{SUFFIX}"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, LibraryProblem(path, line, f"not UTF-8 (byte {exc.start} is invalid); save the file as UTF-8")
    lines = text.splitlines()
    try:
        meta, body_start = front_matter(lines)
    except _Bad as bad:
        return None, LibraryProblem(path, bad.line, bad.reason)
    poem = verse_lines(lines, body_start, path)
    if not poem.lines:
        return None, LibraryProblem(path, 0, "no verse lines: the poem's text goes after the front matter")
    metre = meta.get("metre", ("", 0))
    known = known_metre(metre[0]) if metre[0] else ""
    if known is None:
        names = ", ".join([*METRES, *JATIS])
        return None, LibraryProblem(path, metre[1], f"unknown metre {metre[0]!r} (known: {names})")
    title = meta.get("title", ("", 0))[0] or Path(poem_id).name
    values = {key: meta.get(key, ("", 0))[0] for key in ("poet", "source")}
    return LibraryPoem(poem_id, title, values["poet"], known, values["source"], poem), None


def verse_lines(lines: list[str], start: int, path: str) -> PoemText:
    """The verse lines from ``lines[start:]``, numbered as in the file (as ``verse.parse_text``, no metre)."""
    out: list[VerseLine] = []
    stanza, blank = 0, False
    for number, raw in enumerate(lines[start:], start=start + 1):
        line = " ".join(unicodedata.normalize("NFC", raw).replace("\u00a0", " ").split())
        if not line:
            blank = True
            continue
        if blank and out:
            stanza += 1
        blank = False
        out.append(VerseLine(len(out), number, stanza, line))
    return PoemText(path, tuple(out))


class _Bad(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def front_matter(lines: list[str]) -> tuple[dict[str, tuple[str, int]], int]:
    """The front matter's fields (value, line number) and the index of the first line after it."""
    if not lines or lines[0].strip() != FENCE:
        return {}, 0
    meta: dict[str, tuple[str, int]] = {}
    for index in range(1, len(lines)):
        number, line = index + 1, lines[index].strip()
        if line == FENCE:
            return meta, index + 1
        if not line or line.startswith("#"):
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon:
            raise _Bad(number, f"front matter line is not 'key: value' ({line!r}); close it with {FENCE}")
        if key not in FIELDS:
            raise _Bad(number, f"unknown front matter key {key!r} (known: {', '.join(FIELDS)})")
        if key in meta:
            raise _Bad(number, f"{key!r} given twice (first on line {meta[key][1]})")
        meta[key] = (unicodedata.normalize("NFC", value.strip()), number)
    raise _Bad(1, f"front matter opened with {FENCE} is never closed (a line of {FENCE} must follow the fields)")


def known_metre(name: str) -> str | None:
    """The project's name of a metre written with or without diacritics (``ataveladi``), or None."""
    wanted = _plain(name)
    for metre in (*METRES, *JATIS):
        if _plain(metre) == wanted:
            return metre
    return None


def _plain(name: str) -> str:
    letters = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(c for c in letters if not unicodedata.combining(c)).replace(" ", "")


def poem_file(title: str, poet: str, metre: str, source: str, text: str) -> str:
    """The text of a library file: front matter (the fields given) and the poem."""
    fields = [(key, value.strip()) for key, value in zip(FIELDS, (title, poet, metre, source)) if value.strip()]
    head = [FENCE, *(f"{key}: {' '.join(value.split())}" for key, value in fields), FENCE] if fields else []
    body = unicodedata.normalize("NFC", text).strip("\n")
    return "\n".join([*head, body]) + "\n"


def add_poem(folder: str | Path, name: str, raw: bytes, replace_existing: bool = False, **fields: str) -> Path:
    """Check a poem and write it into the library as ``name`` (``.txt`` added); the path written.

    ``fields`` (title, poet, metre, source) become the front matter of a text that has none.
    A text that cannot be used is an :class:`InputError` naming the line; an existing poem of
    that name is kept unless ``replace_existing``.
    """
    from nishabdham.files import atomic_write_text

    root = Path(folder)
    name = name.removesuffix(SUFFIX).strip().strip("/")
    target = root / f"{name}{SUFFIX}"
    if not name or ".." in Path(name).parts or Path(name).is_absolute() or _hidden(target, root):
        raise InputError(f"{name!r} is not a poem name (a file name, sub-folders allowed, no '..')", path=root)
    if target.exists() and not replace_existing:
        raise InputError("a poem of this name is in the library already (replace it, or choose another name)",
                         path=target)  # fmt: skip
    poem, problem = parse_poem(raw, name, name)
    if problem is not None:
        raise InputError(f"line {problem.line}: {problem.reason}" if problem.line else problem.reason, path=name)
    text = raw.decode("utf-8-sig")
    given = {key: value for key, value in fields.items() if value}
    if given and not text.lstrip("\ufeff").startswith(FENCE):
        unknown = set(given) - set(FIELDS)
        if unknown:
            raise InputError(f"unknown field(s) {', '.join(sorted(unknown))}")
        text = poem_file(given.get("title", ""), given.get("poet", ""), given.get("metre", ""), given.get("source", ""),
                         text)  # fmt: skip
        poem, problem = parse_poem(text.encode("utf-8"), name, name)
        if problem is not None:
            raise InputError(str(problem))
    target.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(target, unicodedata.normalize("NFC", text))


def library_options(folder: str | Path) -> dict[str, str]:
    """``{"library_sha256": ...}`` for a job matched against the library ``folder``: a changed library makes a new job.

    Read once per version of the folder (:func:`folder_stamp`), not once per recording of a batch.
    """
    if not folder:
        return {}
    key = (str(folder), folder_stamp(folder))
    if key not in _DIGESTS:
        _DIGESTS.clear()
        _DIGESTS[key] = read_library(folder)[0].digest
    return {"library_sha256": _DIGESTS[key]}


_DIGESTS: dict[tuple[str, tuple], str] = {}


def folder_stamp(folder: str | Path) -> tuple:
    """(name, size, mtime) of every text file under ``folder``: cheap, and changes with any edit."""
    root = Path(folder)
    if not root.is_dir():
        return ()
    return tuple(sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob(f"*{SUFFIX}")))
