"""``nishabdham transcribe INPUT [INPUT ...] --out DIR``: subtitles for recordings.

The model is loaded once, on the first input that decodes; a failed input gets
one line on stderr naming the file and the reason, and the others go on. The
exit status is 0 only when every input succeeded.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nishabdham.app.cli.common import add_model_arguments, fail, model_settings, warn
from nishabdham.app.cli.speakers import add_speaker_arguments, check_available, speaker_overrides
from nishabdham.errors import InputError, ModelError, NishabdhamError, OutputError

log = logging.getLogger(__name__)


def register(subparsers) -> None:
    parser = subparsers.add_parser("transcribe", help="subtitle recordings", description=__doc__)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="audio or video files")
    parser.add_argument("--out", required=True, metavar="DIR", help="where <stem>.srt/.vtt/.json are written")
    add_model_arguments(parser)
    parser.add_argument("--formats", help="comma-separated output formats (default srt,vtt,json)")
    parser.add_argument(
        "--text",
        metavar="FILE",
        help="the poem's published text (UTF-8, one verse line per line, blank lines between stanzas): "
        "the cues carry this text, timed to the reading (one INPUT only)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_speaker_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nishabdham.pipeline.runner import Pipeline

    settings = model_settings(args, **speaker_overrides(args))
    check_available(settings)
    out_dir = Path(args.out)
    try:
        text = given_text(args.text, args.inputs)
        check_writable(out_dir)
    except NishabdhamError as exc:
        fail(str(exc))
        return 1
    pipeline = Pipeline(settings.pipeline_options())
    failures = 0
    with progress_bars(enabled=not args.no_progress and sys.stderr.isatty()) as new_bar:
        for stem, source in unique_stems(args.inputs):
            try:
                transcript, written = pipeline.run_to_files(source, out_dir, stem, new_bar(stem), text)
            except ModelError:
                raise  # nothing else can succeed without a model: exit 2 from main()
            except NishabdhamError as exc:
                failures += 1
                fail(str(exc) if exc.path else f"{source}: {exc}")
                continue
            for message in transcript.warnings:
                warn(f"{source}: {message}")
            for path in written:
                print(path, flush=True)
    return 1 if failures else 0


def given_text(path: str | None, inputs: list[str]):
    """The ``--text`` file, read and checked before any decoding (None without ``--text``)."""
    if path is None:
        return None
    from nishabdham.pipeline.known_text.verse import read_text

    if len(inputs) != 1:
        raise InputError(f"--text gives the text of one reading; {len(inputs)} inputs were given", path=path)
    return read_text(path)


def unique_stems(inputs: list[str]) -> list[tuple[str, Path]]:
    """Output stems for the inputs; two inputs with one stem get ``-2``, ``-3`` suffixes."""
    seen: dict[str, int] = {}
    out = []
    for value in inputs:
        path = Path(value)
        stem = path.stem or path.name or "recording"
        count = seen.get(stem, 0) + 1
        seen[stem] = count
        out.append((stem if count == 1 else f"{stem}-{count}", path))
    return out


def check_writable(out_dir: Path) -> None:
    """Create ``out_dir`` if needed and prove a file can be written there."""
    import tempfile

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".probe-"):
            pass
    except OSError as exc:
        raise OutputError(f"output directory cannot be written ({exc.strerror or exc})", path=out_dir) from exc


@contextmanager
def progress_bars(enabled: bool) -> Iterator:
    """Yield a factory of per-file progress callbacks drawing rich bars on stderr."""
    if not enabled:
        yield lambda name: lambda stage, fraction: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )

    def new_bar(name: str):
        task = bars.add_task(name, total=1.0, stage="")

        def update(stage: str, fraction: float) -> None:
            bars.update(task, completed=fraction, stage=stage)

        return update

    with bars:
        yield new_bar
