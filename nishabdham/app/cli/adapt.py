"""``nishabdham adapt MANIFEST --name NAME``: teach Whisper a reader from reviewed rows, on CPU.

The rows of an evaluation-set manifest (``nishabdham evalset export`` and the review UI's
approvals write them) train the model for at most ``--max-minutes`` of training. Whole recordings
are held out and scored before and after through the whole pipeline; a model that got worse is
refused and nothing is installed. Otherwise it is installed under the data directory as a
CTranslate2 int8 model with its model card: use it with ``transcribe --model NAME``. Needs the
``adapt`` extra (torch, transformers): see docs/ADAPT.md.
"""

from __future__ import annotations

import argparse
import json
import sys

from nishabdham.app.cli.common import fail, settings_from, warn


def register(subparsers) -> None:
    parser = subparsers.add_parser("adapt", help="adapt Whisper to a reader from reviewed rows", description=__doc__)
    parser.add_argument("manifest", metavar="MANIFEST", help="evaluation-set manifest (JSON Lines) to learn from")
    parser.add_argument("--name", required=True, help="name of the adapted model (transcribe --model NAME)")
    parser.add_argument("--max-minutes", type=float, help="longest training time in minutes (default 30)")
    parser.add_argument("--epochs", type=int, help="passes over the training rows (default 5)")
    parser.add_argument("--max-steps", type=int, help="stop after this many optimiser steps (default: no limit)")
    parser.add_argument("--batch-size", type=int, help="rows per optimiser step (default 8)")
    parser.add_argument("--learning-rate", type=float, help="AdamW learning rate (default 2e-5)")
    parser.add_argument(
        "--guard",
        action="append",
        default=[],
        metavar="MANIFEST",
        help="rows that must not get worse: other voices (CER +0.02 at most) and English (WER 0.05 at most); repeatable",
    )
    parser.add_argument(
        "--model", metavar="NAME_OR_DIR", help="the model to adapt: bundled (default), or an adapted model's name"
    )
    parser.add_argument("--replace", action="store_true", help="replace an installed model of that name")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def adapt_options(args: argparse.Namespace):
    from dataclasses import replace

    from nishabdham.adapt.options import AdaptOptions

    chosen = {
        "max_minutes": args.max_minutes,
        "epochs": args.epochs,
        "max_steps": args.max_steps,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
    }
    return replace(AdaptOptions(), **{k: v for k, v in chosen.items() if v is not None})


def run(args: argparse.Namespace) -> int:
    from nishabdham.adapt.job import adapt_model
    from nishabdham.app.cli.transcribe import progress_bars

    settings = settings_from(args, model=args.model)
    options = adapt_options(args)
    with progress_bars(enabled=not args.no_progress and sys.stderr.isatty()) as new_bar:
        result = adapt_model(
            args.manifest,
            args.name,
            settings.data_dir,
            settings.pipeline_options(),
            options,
            guards=args.guard,
            replace_existing=args.replace,
            progress=new_bar(f"adapt {args.name}"),
        )
    for check in result.card["checks"]:
        b, a = check["before"], check["after"]
        print(
            f"{check['name']}: CER {b['cer']} -> {a['cer']}, Telugu script {b['telugu_script_share']} -> "
            f"{a['telugu_script_share']} ({b['rows']} rows)"
        )
    if not result.installed:
        fail(result.refusal or "the adapted model was not installed")
        print(json.dumps(result.card, ensure_ascii=False, indent=2), file=sys.stderr)
        return 1
    if not result.card["checks"]:
        warn("the manifest has one recording: nothing could be held out, so the model was installed unchecked")
    print(f"installed {result.name} in {result.path}")
    return 0
