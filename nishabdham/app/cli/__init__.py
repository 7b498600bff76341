"""The ``nishabdham`` command: one module per subcommand, registered here."""

from __future__ import annotations

import argparse
import importlib
import sys

from nishabdham import __version__
from nishabdham.errors import NishabdhamError

#: Subcommand modules; each has ``register(subparsers)`` and sets ``func`` on its parser.
COMMANDS = (
    "nishabdham.app.cli.transcribe",
    "nishabdham.app.cli.setup",
    "nishabdham.app.cli.eval",
    "nishabdham.app.cli.glossary",
    "nishabdham.app.cli.evalset",
    "nishabdham.app.cli.batch",
    "nishabdham.app.cli.jobs",
    "nishabdham.app.cli.worker",
    "nishabdham.app.cli.review",
    "nishabdham.app.cli.library",
    "nishabdham.app.cli.adapt",
    "nishabdham.app.cli.models",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nishabdham",
        description="Timestamped, bilingual subtitles for Telugu poetry readings.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--config", metavar="FILE", help="a TOML settings file (also NISHABDHAM_CONFIG)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMANDS:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    from nishabdham.app.cli.common import fail
    from nishabdham.logs import configure_logging
    from nishabdham.process import limit_malloc_arenas

    args = build_parser().parse_args(argv)
    configure_logging(["WARNING", "INFO", "DEBUG"][min(args.verbose, 2)])
    limit_malloc_arenas()
    try:
        return int(args.func(args) or 0)
    except NishabdhamError as exc:
        fail(str(exc))
        return 2
    except KeyboardInterrupt:
        fail("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
