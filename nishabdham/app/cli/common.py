"""What every subcommand shares: messages on stderr, settings from arguments."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nishabdham.settings import Settings, load_settings


def fail(message: str) -> None:
    """One error line on stderr, prefixed with the program name."""
    print(f"nishabdham: error: {message}", file=sys.stderr, flush=True)


def warn(message: str) -> None:
    print(f"nishabdham: warning: {message}", file=sys.stderr, flush=True)


def settings_from(args: argparse.Namespace, **overrides: Any) -> Settings:
    """Settings from --config, the environment, then explicit command-line overrides."""
    return load_settings(getattr(args, "config", None), **overrides)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        metavar="NAME_OR_DIR",
        help="bundled (default), a faster-whisper model name such as large-v3, or a local CTranslate2 model directory",
    )
    parser.add_argument("--language", choices=["auto", "te", "en"], help="spoken language (default auto)")
    parser.add_argument(
        "--second-line",
        dest="second_line",
        choices=["translit", "translation", "none"],
        help="second subtitle line (default translit)",
    )
    parser.add_argument(
        "--english",
        dest="english_words",
        choices=["latin", "telugu"],
        help="English words in Latin letters (default) or in Telugu script",
    )
