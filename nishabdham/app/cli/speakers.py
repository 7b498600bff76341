"""Command-line options of the speaker stage, shared by ``transcribe`` (issue 7).

``--vad pyannote`` and ``--diarize`` need the ``diarization`` extra; :func:`check_available`
says so before any recording is processed, in one line, with what to install.
"""

from __future__ import annotations

import argparse
from typing import Any

from nishabdham.errors import ConfigError
from nishabdham.pipeline.speakers.diarize import BUILTIN


def add_speaker_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("speakers, music and applause (need the diarization extra)")
    group.add_argument(
        "--vad", choices=["silero", "pyannote"], help="speech detector: silero (default) or pyannote segmentation-3.0"
    )
    group.add_argument(
        "--diarize",
        nargs="?",
        const="builtin",
        metavar="PIPELINE",
        help="label each cue with its speaker: alone (or `builtin`) the built-in offline pipeline "
        "(segmentation-3.0 + CAM++), else a local pyannote pipeline directory or a model-hub name (token in $HF_TOKEN)",
    )
    group.add_argument(
        "--num-speakers", dest="num_speakers", type=int, metavar="N", help="number of speakers, when known"
    )
    group.add_argument(
        "--min-speakers",
        dest="min_speakers",
        type=int,
        metavar="N",
        help="at least N speakers (when not known exactly)",
    )
    group.add_argument("--max-speakers", dest="max_speakers", type=int, metavar="N", help="at most N speakers")
    group.add_argument(
        "--speaker-prefix",
        dest="speaker_prefix",
        action="store_true",
        default=None,
        help='show the speaker in front of each cue ("Host: ...")',
    )
    group.add_argument(
        "--speaker-name",
        dest="speaker_name",
        action="append",
        metavar="LABEL=NAME",
        help="name a speaker label, e.g. SPEAKER_00=Host (repeatable)",
    )


def speaker_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Settings overrides from the speaker options (nested sections merge with the environment)."""
    overrides: dict[str, Any] = {}
    if args.vad:
        overrides["vad"] = {"backend": args.vad}
    fields = ("pipeline", "num_speakers", "min_speakers", "max_speakers")
    values = (args.diarize, args.num_speakers, args.min_speakers, args.max_speakers)
    diarize = {k: v for k, v in zip(fields, values) if v is not None}
    if diarize:
        overrides["diarize"] = diarize
    if args.speaker_prefix:
        overrides["rules"] = {"speaker_prefix": True}
    if args.speaker_name:
        overrides["speaker_names"] = parse_names(args.speaker_name)
    return overrides


def parse_names(values: list[str]) -> dict[str, str]:
    names = {}
    for value in values:
        label, sep, name = value.partition("=")
        if not sep or not label.strip() or not name.strip():
            raise ConfigError(f"--speaker-name takes LABEL=NAME (for example SPEAKER_00=Host), not '{value}'")
        names[label.strip()] = name.strip()
    return names


def check_available(settings) -> None:
    """Raise DependencyError / ModelError now, not per file, when the speaker stage cannot run."""
    from nishabdham.pipeline.speakers.pyannote_models import import_pyannote, locate_segmentation

    options = settings.pipeline_options()
    vad = options.decode.vad
    if vad.backend == "pyannote":
        import_pyannote("--vad pyannote")
        locate_segmentation(vad.pyannote_model)
    if options.diarize.pipeline:
        import_pyannote("--diarize")
        if options.diarize.pipeline == BUILTIN:
            from nishabdham.pipeline.speakers.campplus import locate_campplus

            locate_segmentation("", settings.models_dir)
            locate_campplus(settings.models_dir)
