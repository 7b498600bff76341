"""``nishabdham library add|list|search|check DIR``: the poem library that recordings are matched against.

A library is a folder of UTF-8 ``.txt`` files, one poem per file (sub-folders allowed), one
verse line per line, blank lines between stanzas, with optional front matter at the top::

    ---
    title: Vēmana Śatakam, verse 12
    poet: Vēmana
    metre: āṭaveladi
    source: Wikisource
    ---

``check`` lists every file that cannot be used, with its line; ``list`` the poems; ``search``
the lines nearest to a query (Telugu, or romanized as heard); ``add`` checks texts and copies
them in. ``transcribe --library DIR`` and ``batch --library DIR`` subtitle the poems they find
from their published text (the ``library`` setting names a default). See docs/LIBRARY.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nishabdham.app.cli.common import fail, settings_from, warn
from nishabdham.errors import InputError


def register(subparsers) -> None:
    parser = subparsers.add_parser("library", help="the poem library", description=__doc__)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    check = actions.add_parser("check", help="list the files that cannot be used, with their lines")
    check.add_argument("folder", metavar="DIR", help="the library folder")
    check.set_defaults(func=check_library)
    listing = actions.add_parser("list", help="the poems of the library")
    listing.add_argument("folder", metavar="DIR", help="the library folder")
    listing.set_defaults(func=list_library)
    search = actions.add_parser("search", help="the library lines nearest to a query")
    search.add_argument("folder", metavar="DIR", help="the library folder")
    search.add_argument("query", nargs="+", metavar="WORD", help="words of a line, in Telugu or romanized")
    search.add_argument("-n", type=int, default=10, metavar="N", help="how many lines (default 10)")
    search.set_defaults(func=search_library)
    add = actions.add_parser("add", help="check poems and copy them into the library")
    add.add_argument("folder", metavar="DIR", help="the library folder (created if missing)")
    add.add_argument("files", nargs="+", metavar="FILE", help="UTF-8 text files, one poem each")
    add.add_argument("--name", help="the poem's name in the library (one FILE only; default the file's name)")
    add.add_argument("--replace", action="store_true", help="replace a poem of the same name")
    for field in ("title", "poet", "metre", "source"):
        add.add_argument(f"--{field}", default="", help=f"the poem's {field} (for a text without front matter)")
    add.set_defaults(func=add_poems)


def _read(folder: str):
    from nishabdham.pipeline.known_text.library import read_library

    library, problems = read_library(folder)
    for problem in problems:
        fail(str(problem))
    return library, problems


def check_library(args: argparse.Namespace) -> int:
    library, problems = _read(args.folder)
    print(f"{len(library.poems)} poems, {library.line_count} lines; {len(problems)} file(s) with problems")
    return 1 if problems else 0


def list_library(args: argparse.Namespace) -> int:
    library, problems = _read(args.folder)
    for poem in library.poems:
        about = ", ".join(x for x in (poem.poet, poem.metre) if x)
        print(f"{poem.id}\t{poem.title}\t{about}\t{len(poem.text.lines)} lines")
    print(f"{len(library.poems)} poems, {library.line_count} lines")
    return 1 if problems else 0


def search_library(args: argparse.Namespace) -> int:
    from nishabdham.pipeline.known_text.index import load_index, search_text

    library, _ = _read(args.folder)
    index = load_index(library, index_cache_dir(args))
    hits = search_text(index, " ".join(args.query), max(1, args.n))
    for hit in hits:
        poem = library.poems[hit.poem]
        print(f"{hit.score:7.2f}  {poem.id}:{hit.line + 1}  {poem.title}  {poem.text.lines[hit.line].text}")
    if not hits:
        warn("no library line shares a sound with the query")
    return 0


def index_cache_dir(args: argparse.Namespace) -> Path:
    """Where library indexes are kept: ``<data_dir>/library-index``."""
    return settings_from(args).library_index_dir()


def add_poems(args: argparse.Namespace) -> int:
    from nishabdham.pipeline.known_text.library import add_poem

    if args.name and len(args.files) > 1:
        raise InputError("--name names one poem; give one FILE with it")
    fields = {f: getattr(args, f) for f in ("title", "poet", "metre", "source")}
    Path(args.folder).mkdir(parents=True, exist_ok=True)
    failures = 0
    for value in args.files:
        path = Path(value)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            fail(f"{path}: cannot be read ({exc.strerror or exc})")
            failures += 1
            continue
        try:
            written = add_poem(args.folder, args.name or path.stem, raw, args.replace, **fields)
        except InputError as exc:
            fail(f"{path}: {exc.reason}")
            failures += 1
            continue
        print(written)
    return 1 if failures else 0
