"""The evaluation report: one self-contained HTML file that works offline.

Tables of the figures (overall, per language, per reviewer's error tag), the
problems, a trend plot of the figures across earlier runs of the same
evaluation set (inline SVG; a dashed line marks a new evaluation-set
version), and the worst rows with an audio player (the row's stretch of audio,
embedded as base64 MP3) and the aligned word diff. No script, font or style is
loaded from anywhere else.

:func:`report_for` renders the report of an evaluation JSON file; the review
UI links to it.
"""

from __future__ import annotations

import base64
import html
import logging
import subprocess
from collections.abc import Sequence
from pathlib import Path

from nishabdham.errors import NishabdhamError
from nishabdham.evaluation.evaluate import EvalRun, RowScore, Scores, load_run

log = logging.getLogger(__name__)

COLUMNS = (
    ("n", "rows"),
    ("wer", "WER"),
    ("cer", "CER"),
    ("telugu_script_share", "Telugu script"),
    ("english_wer", "English-word WER"),
    ("switch_point_accuracy", "switch points"),
    ("start_error_ms", "start error ms"),
    ("end_error_ms", "end error ms"),
    ("rule_break_share", "cues breaking rules"),
)
TREND = (("cer", "CER", "#c0392b"), ("wer", "WER", "#2c3e8f"), ("telugu_script_share", "Telugu script", "#1e8449"))
MAX_CLIP_SECONDS = 30.0

_CSS = """
body{font-family:system-ui,'Noto Sans Telugu','Lohit Telugu',sans-serif;margin:2em;color:#222;max-width:75em}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
td.t,th.t{text-align:left}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}.meta{color:#555}
.row{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:1em 0}.diff span{padding:0 .15em;margin:0 .05em;border-radius:3px}
.eq{color:#555}.sub{background:#fde2b8}.del{background:#f8c6c6;text-decoration:line-through}.ins{background:#c8efc8}
.problems li{font-family:monospace}svg text{font-size:11px;font-family:sans-serif}
"""


def report_for(json_path: str | Path, history_dir: str | Path | None = None, *, embed_audio: bool = True) -> str:
    """The HTML report of the evaluation saved at ``json_path`` (with the runs in ``history_dir`` as its trend)."""
    run = load_run(json_path)
    history = load_history(history_dir) if history_dir else []
    return render_report(run, history, embed_audio=embed_audio)


def load_history(folder: str | Path) -> list[EvalRun]:
    """Every evaluation JSON in ``folder``; files that are not one are skipped with a warning."""
    runs = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            runs.append(load_run(path))
        except NishabdhamError as exc:
            log.warning("skipping %s", exc)
    return runs


def render_report(run: EvalRun, history: Sequence[EvalRun] = (), *, worst: int = 10, embed_audio: bool = True) -> str:
    """The whole report as one HTML string."""
    title = f"Evaluation {run.label or run.evalset_name or ''}".strip()
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        _meta(run),
        "<h2>Figures</h2>",
        _figures_table(run),
        _problems(run),
        "<h2>Across runs</h2>",
        trend_svg(_trend_runs(run, history)),
        f"<h2>Worst rows (by CER, {min(worst, run.n)} of {run.n})</h2>",
        *(_row_html(r, embed_audio) for r in worst_rows(run.rows, worst)),
        "<h2>All rows</h2>",
        _all_rows(run.rows),
        "</body></html>",
    ]
    return "\n".join(parts)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def _meta(run: EvalRun) -> str:
    manifests = ", ".join(f"{m.path} ({m.rows} rows)" for m in run.manifests)
    return (
        f"<p class='meta'>{_e(run.created)} · model {_e(run.model)} · evaluation set {_e(run.evalset_name)} "
        f"version {_e(run.evalset)} · {run.n} rows scored, {run.failed} failed · {run.seconds:g} s<br>"
        f"manifests: {_e(manifests)}</p>"
    )


def _figures_table(run: EvalRun) -> str:
    head = "<tr><th class='t'>group</th>" + "".join(f"<th>{_e(label)}</th>" for _, label in COLUMNS) + "</tr>"
    groups: list[tuple[str, Scores]] = [("all", run)]
    groups += [(f"language {k}", v) for k, v in run.by_lang.items()]
    groups += [(f"tag {k}", v) for k, v in run.by_category.items()]
    body = "".join(
        f"<tr><td class='t'>{_e(name)}</td>"
        + "".join(f"<td>{_fmt(getattr(s, key))}</td>" for key, _ in COLUMNS)
        + "</tr>"
        for name, s in groups
    )
    return f"<table>{head}{body}</table>"


def _problems(run: EvalRun) -> str:
    if not run.problems:
        return ""
    items = "".join(f"<li>{_e(p)}</li>" for p in run.problems)
    return f"<h2>Problems ({len(run.problems)})</h2><ul class='problems'>{items}</ul>"


def worst_rows(rows: Sequence[RowScore], count: int) -> list[RowScore]:
    """The scored rows with the highest CER (then WER), worst first."""
    scored = [r for r in rows if r.error is None]
    return sorted(scored, key=lambda r: (-(r.cer or 0.0), -(r.wer or 0.0)))[:count]


def diff_html(row: RowScore) -> str:
    """The aligned word diff: kept words grey, substitutions reference→output, deletions struck, insertions green."""
    out = []
    for span in row.alignment:
        ref, hyp = " ".join(span.ref), " ".join(span.hyp)
        if span.op == "equal":
            out.append(f"<span class='eq'>{_e(ref)}</span>")
        elif span.op == "substitute":
            out.append(f"<span class='sub' title='substituted'>{_e(ref)} → {_e(hyp)}</span>")
        elif span.op == "delete":
            out.append(f"<span class='del' title='missing in the output'>{_e(ref)}</span>")
        else:
            out.append(f"<span class='ins' title='inserted by the machine'>{_e(hyp)}</span>")
    return "<div class='diff'>" + " ".join(out) + "</div>"


def _row_html(row: RowScore, embed_audio: bool) -> str:
    audio = audio_data_uri(row) if embed_audio else None
    player = (
        f"<audio controls preload='none' src='{audio}'></audio>"
        if audio
        else "<p class='meta'>(audio not embedded)</p>"
    )
    tags = ", ".join(row.tags) or "no tags"
    return (
        f"<div class='row'><b>{_e(row.id)}</b> <span class='meta'>{_e(row.manifest)}:{row.line} · {_e(row.lang)} · "
        f"{_e(tags)} · decoded as {_e(row.language)}</span><br>CER {_fmt(row.cer)} · WER {_fmt(row.wer)}<br>{player}"
        f"<p>reference: {_e(row.reference)}<br>output: {_e(row.hypothesis)}</p>{diff_html(row)}</div>"
    )


def _all_rows(rows: Sequence[RowScore]) -> str:
    head = "<tr><th class='t'>row</th><th>lang</th><th>CER</th><th>WER</th><th class='t'>output</th></tr>"
    body = "".join(
        f"<tr><td class='t'>{_e(r.id)}</td><td>{_e(r.lang)}</td><td>{_fmt(r.cer)}</td><td>{_fmt(r.wer)}</td>"
        f"<td class='t'>{_e(r.hypothesis if r.error is None else 'failed: ' + r.error)}</td></tr>"
        for r in rows
    )
    return f"<details><summary>{len(rows)} rows</summary><table>{head}{body}</table></details>"


def audio_data_uri(row: RowScore) -> str | None:
    """The row's stretch of audio (at most 30 s) as a base64 MP3 data URI; None when it cannot be made."""
    from nishabdham.pipeline.audio import ffmpeg_binary

    if not Path(row.audio).is_file():
        return None
    seconds = min(row.duration if row.duration is not None else MAX_CLIP_SECONDS, MAX_CLIP_SECONDS)
    command = [ffmpeg_binary(), "-nostdin", "-v", "error", "-ss", f"{row.offset:.3f}", "-t", f"{seconds:.3f}"]
    command += [
        "-i",
        row.audio,
        "-vn",
        "-ac",
        "1",
        "-ar",
        "22050",
        "-c:a",
        "libmp3lame",
        "-b:a",
        "48k",
        "-f",
        "mp3",
        "pipe:1",
    ]
    try:
        result = subprocess.run(command, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired, NishabdhamError) as exc:
        log.warning("%s: no audio clip for the report (%s)", row.audio, exc)
        return None
    if result.returncode != 0 or not result.stdout:
        log.warning(
            "%s: no audio clip for the report (%s)", row.audio, result.stderr.decode("utf-8", "replace").strip()
        )
        return None
    return "data:audio/mpeg;base64," + base64.b64encode(result.stdout).decode("ascii")


# --------------------------------------------------------------------------- trend plot


def _trend_runs(run: EvalRun, history: Sequence[EvalRun]) -> list[EvalRun]:
    """Earlier runs of the same evaluation set (any version) and this one, oldest first, without duplicates."""
    same = [r for r in history if r.evalset_name == run.evalset_name]
    unique = {(r.created, r.evalset, r.label, r.cer, r.wer): r for r in [*same, run]}
    return sorted(unique.values(), key=lambda r: r.created)


def trend_svg(runs: Sequence[EvalRun], width: int = 720, height: int = 260) -> str:
    """An inline SVG line plot of CER, WER and Telugu-script share across ``runs``."""
    if len(runs) < 2:
        return "<p class='meta'>Only this run so far: the plot appears once there are earlier runs of this evaluation set.</p>"
    left, right, top, bottom = 50, 130, 15, 45
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [getattr(r, key) for r in runs for key, _, _ in TREND if getattr(r, key) is not None]
    y_max = max([1.0, *values]) * 1.05

    def x(i: int) -> float:
        return left + plot_w * i / (len(runs) - 1)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img' aria-label='metrics across runs'>"
    ]
    for tick in (0.0, y_max / 2, y_max):
        parts.append(f"<line x1='{left}' x2='{left + plot_w}' y1='{y(tick):.1f}' y2='{y(tick):.1f}' stroke='#eee'/>")
        parts.append(f"<text x='{left - 6}' y='{y(tick) + 4:.1f}' text-anchor='end'>{tick:.2f}</text>")
    versions = [r.evalset for r in runs]
    for i in range(1, len(runs)):
        if versions[i] != versions[i - 1]:
            xm = (x(i) + x(i - 1)) / 2
            parts.append(
                f"<line x1='{xm:.1f}' x2='{xm:.1f}' y1='{top}' y2='{top + plot_h}' stroke='#999' stroke-dasharray='4 3'/>"
            )
            parts.append(f"<text x='{xm + 3:.1f}' y='{top + 10}' fill='#777'>set {_e(versions[i][:6])}</text>")
    for i, r in enumerate(runs):
        label = r.label or r.created[:10]
        parts.append(f"<text x='{x(i):.1f}' y='{top + plot_h + 16}' text-anchor='middle'>{_e(label[:14])}</text>")
    for n, (key, name, colour) in enumerate(TREND):
        points = [(x(i), y(getattr(r, key)), r) for i, r in enumerate(runs) if getattr(r, key) is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
            parts.append(f"<polyline points='{path}' fill='none' stroke='{colour}' stroke-width='2'/>")
        for px, py, r in points:
            parts.append(
                f"<circle cx='{px:.1f}' cy='{py:.1f}' r='3.5' fill='{colour}'><title>{_e(name)} {getattr(r, key):.3f} · "
                f"{_e(r.created)} · set {_e(r.evalset)}</title></circle>"
            )
        ly = top + 14 + 18 * n
        parts.append(f"<rect x='{left + plot_w + 12}' y='{ly - 9}' width='12' height='4' fill='{colour}'/>")
        parts.append(f"<text x='{left + plot_w + 30}' y='{ly - 4}'>{_e(name)}</text>")
    parts.append("</svg>")
    return "".join(parts)
