"""What every subcommand shares: messages on stderr, settings from arguments."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nishabdham.pipeline.runner import SECOND_LINES
from nishabdham.settings import Settings, load_settings


def fail(message: str) -> None:
    """One error line on stderr, prefixed with the program name."""
    print(f"nishabdham: error: {message}", file=sys.stderr, flush=True)


def warn(message: str) -> None:
    print(f"nishabdham: warning: {message}", file=sys.stderr, flush=True)


def settings_from(args: argparse.Namespace, **overrides: Any) -> Settings:
    """Settings from --config, the environment, then explicit command-line overrides."""
    return load_settings(getattr(args, "config", None), **overrides)


def model_settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    """Settings with what :func:`add_model_arguments` read from the command line (one place for
    every command that takes them, so none of them is accepted and then ignored)."""
    if getattr(args, "english_words", None):
        overrides["codeswitch"] = {"english_words": args.english_words}
    if getattr(args, "library", None):
        overrides["library"] = args.library
    return settings_from(
        args, model=args.model, language=args.language, second_line=args.second_line, formats=args.formats, **overrides
    )


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        metavar="NAME_OR_DIR",
        help="bundled (default), an adapted model's name (nishabdham models), a faster-whisper model name such as "
        "large-v3, a local CTranslate2 model directory, or a Hugging Face Whisper checkpoint directory",
    )
    parser.add_argument("--language", choices=["auto", "te", "en"], help="spoken language (default auto)")
    parser.add_argument(
        "--second-line",
        dest="second_line",
        choices=SECOND_LINES,
        help="second subtitle line (default translit)",
    )
    parser.add_argument(
        "--english",
        dest="english_words",
        choices=["latin", "telugu"],
        help="English words in Latin letters (default) or in Telugu script",
    )


def add_library_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--library",
        metavar="DIR",
        help="a poem library (folder of published texts, see `nishabdham library`): the poems of it that are "
        "read get their published text, the rest stays as heard (default: the library setting)",
    )


def check_library(settings: Settings) -> None:
    """Read the library of ``settings`` (if any) before any decoding: a missing folder is an error,
    files that cannot be used are warned about (with file and line) and left out."""
    if not settings.library:
        return
    from nishabdham.pipeline.known_text.library import read_library

    library, problems = read_library(settings.library)
    for problem in problems:
        warn(f"{problem} (left out of the library)")
    if not library.poems:
        warn(f"{settings.library}: the poem library holds no usable poem")
