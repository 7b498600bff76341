"""``nishabdham eval``: score the current settings on evaluation sets, compare runs, guard the dev set.

    nishabdham eval MANIFEST.jsonl [MANIFEST ...] [--json OUT] [--html OUT]
    nishabdham eval --dev [DIR] --baseline eval/baseline-dev.json   # the regression guard
    nishabdham eval --compare A.json B.json
    nishabdham eval --report RUN.json --html OUT                    # re-render a saved run

Every row is transcribed with the current settings (the model is loaded once)
and scored; a table goes to stdout, problems (with manifest and line) to
stderr. Each run is also kept in ``<data_dir>/eval/runs/`` for the report's
trend plot. Exit status: 0 when every row was scored and nothing regressed,
1 when a row or manifest had a problem or the baseline was beaten by more than
the tolerance, 2 when nothing could run (no model, bad settings).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from nishabdham.app.cli.common import add_model_arguments, settings_from, warn
from nishabdham.app.cli.transcribe import check_writable
from nishabdham.errors import InputError, OutputError

log = logging.getLogger(__name__)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score the pipeline on evaluation sets",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("manifests", nargs="*", metavar="MANIFEST", help="JSON Lines evaluation-set manifests")
    parser.add_argument(
        "--dev",
        nargs="?",
        const="",
        metavar="DIR",
        help="score the dev set (default ../shared/data/dev or NISHABDHAM_DEV_DATA)",
    )
    parser.add_argument(
        "--compare", nargs=2, metavar=("A", "B"), help="compare two saved runs row by row and per category"
    )
    parser.add_argument("--report", metavar="RUN", help="render the HTML report of a saved run (with --html)")
    parser.add_argument("--json", metavar="OUT", help="write the run (figures, groups, every row) as JSON")
    parser.add_argument("--html", metavar="OUT", help="write the self-contained HTML report")
    parser.add_argument("--label", default="", help="a name for this run in reports and trend plots")
    parser.add_argument("--baseline", metavar="RUN", help="fail (exit 1) when CER or WER are worse than this saved run")
    parser.add_argument(
        "--tolerance",
        type=float,
        metavar="X",
        help="how much worse is allowed, absolute (default 0.02; or two reference words' worth of a group, when more)",
    )
    parser.add_argument(
        "--kernels",
        choices=("pinned", "machine"),
        default="pinned",
        help="with --dev: CPU kernels pinned to the same arithmetic on every machine (default), or the"
        " machine's own (CT2_FORCE_CPU_ISA, CT2_USE_MKL and ONEDNN_MAX_CPU_ISA in the environment still apply;"
        " bench/bench_kernels.py)",
    )
    parser.add_argument("--no-history", action="store_true", help="do not keep this run in <data_dir>/eval/runs")
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    modes = sum(bool(x) for x in (args.manifests or args.dev is not None, args.compare, args.report))
    if modes != 1:
        raise InputError("give manifests (or --dev), or --compare A B, or --report RUN")
    if args.compare:
        return compare(args)
    settings = settings_from(args)
    if args.report:
        return write_html(args.report, args.html, settings.data_dir)
    return evaluate(args)


def compare(args: argparse.Namespace) -> int:
    from nishabdham.evaluation.compare import compare_runs, format_comparison
    from nishabdham.evaluation.evaluate import load_run

    a, b = (load_run(p) for p in args.compare)
    print(format_comparison(compare_runs(a, b), Path(args.compare[0]).stem, Path(args.compare[1]).stem))
    return 0


def write_html(run_path: str, out: str | None, data_dir: Path) -> int:
    from nishabdham.evaluation.report_html import report_for
    from nishabdham.files import atomic_write_text

    if not out:
        raise InputError("--report needs --html OUT")
    atomic_write_text(Path(out), report_for(run_path, data_dir / "eval" / "runs"))
    print(out)
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from nishabdham.evaluation.evaluate import load_run
    from nishabdham.evaluation.runner import evaluate as run_evaluation
    from nishabdham.pipeline.runner import Pipeline

    settings = settings_from(args, model=args.model, language=args.language, second_line=args.second_line)
    if args.dev is not None and args.kernels == "pinned":
        log.info("dev set scored with the same CPU kernels on every machine: %s", _pin_kernels())
    baseline = load_run(args.baseline) if args.baseline else None  # a bad baseline fails before hours of decoding
    for out in filter(None, (args.json, args.html)):  # so does a place the results cannot be written to
        check_writable(Path(out).resolve().parent)
    pipeline = Pipeline(settings.pipeline_options())
    manifests = list(args.manifests) + _dev_manifests(args.dev, settings.data_dir / "eval" / "dev")
    tuned_on = _tuning_speakers() if args.dev is not None else ()
    result = run_evaluation(manifests, pipeline, label=args.label, on_row=_row_progress(), tuned_on=tuned_on)
    for problem in result.problems:
        warn(problem)
    print(format_table(result))
    _save(result, args, settings.data_dir)
    failed = bool(result.problems)
    if baseline is not None:
        failed = _guard(result, baseline, args.tolerance) or failed
    return 1 if failed else 0


def _dev_manifests(dev: str | None, work: Path) -> list[Path]:
    from nishabdham.evaluation.devset import default_dev_data, dev_manifests

    if dev is None:
        return []
    return dev_manifests(Path(dev) if dev else default_dev_data(), work)


def _pin_kernels() -> dict[str, str]:
    from nishabdham.evaluation.devset import pin_kernels

    return pin_kernels()


def _tuning_speakers() -> tuple[str, ...]:
    from nishabdham.evaluation.devset import TUNING_SPEAKERS

    return TUNING_SPEAKERS


def _row_progress():
    if not sys.stderr.isatty():
        return None
    count = 0

    def show(row) -> None:
        nonlocal count
        count += 1
        figure = f"failed: {row.error}" if row.error else f"CER {row.cer if row.cer is not None else '-'}"
        print(f"[{count}] {row.id}: {figure}", file=sys.stderr, flush=True)

    return show


def _save(result, args: argparse.Namespace, data_dir: Path) -> None:
    from nishabdham.evaluation.evaluate import save_run
    from nishabdham.evaluation.report_html import load_history, render_report
    from nishabdham.files import atomic_write_text

    history_dir = data_dir / "eval" / "runs"
    if args.json:
        print(save_run(result, args.json))
    if not args.no_history:
        stamp = result.created.replace(":", "").replace("+0000", "Z")
        try:
            save_run(result, history_dir / f"{stamp}-{result.evalset or 'empty'}.json")
        except OutputError as exc:  # the history is a convenience: the results above are written
            warn(f"run not kept for the trend plot: {exc}")
    if args.html:
        history = load_history(history_dir) if history_dir.is_dir() else []
        atomic_write_text(Path(args.html), render_report(result, history))
        print(args.html)


def _guard(result, baseline, tolerance: float | None) -> bool:
    from nishabdham.evaluation.compare import TOLERANCE, UNITS, regressions

    tolerance = TOLERANCE if tolerance is None else tolerance
    if baseline.settings and _comparable(baseline.settings) != _comparable(result.settings):
        warn("the baseline was made with other settings; regenerate it if the change is intended")
    found = regressions(result, baseline, tolerance)
    for message in found:
        print(f"nishabdham: regression: {message}", file=sys.stderr, flush=True)
    if not found:
        print(f"no regression against the baseline (tolerance {tolerance:g}, or {UNITS} words of a group)")
    return bool(found)


def _comparable(settings: dict) -> dict:
    return {k: v for k, v in settings.items() if k != "model_info"}


def format_table(result) -> str:
    """The run's figures as a plain-text table: overall, per language, per error tag."""
    columns = (
        ("n", "rows"),
        ("wer", "WER"),
        ("cer", "CER"),
        ("telugu_script_share", "te-script"),
        ("english_wer", "en-WER"),
        ("switch_point_accuracy", "switch"),
        ("start_error_ms", "start-ms"),
        ("end_error_ms", "end-ms"),
        ("rule_break_share", "rules"),
    )
    groups = [("all", result)] + [(f"lang {k}", v) for k, v in result.by_lang.items()]
    groups += [(f"tag {k}", v) for k, v in result.by_category.items()]
    groups += [(f"speaker {k}", v) for k, v in result.by_speaker.items()]
    if result.held_out is not None:
        groups.append(("held-out fold", result.held_out))
    groups += [(k, v) for k, v in result.by_text.items()]
    lines = [f"{'group':<20}" + "".join(f"{label:>10}" for _, label in columns)]
    for name, scores in groups:
        lines.append(f"{name:<20}" + "".join(f"{_cell(getattr(scores, key)):>10}" for key, _ in columns))
    lines.append(
        f"{result.n} rows scored, {result.failed} failed, {len(result.problems)} problems, {result.seconds:g} s"
    )
    if result.held_out is not None:
        lines.append(
            f"held-out fold: the Telugu rows of speakers no constant was tuned on (tuned on {', '.join(result.tuned_on)})"
        )
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else f"{value:.3f}"
