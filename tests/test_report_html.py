"""The HTML report: self-contained, with tables, a trend plot, audio and aligned diffs."""

from __future__ import annotations

import base64
import io
import re

import soundfile

from nishabdham.app.cli import main
from nishabdham.evaluation.evaluate import save_run
from nishabdham.evaluation.report_html import render_report, report_for, trend_svg
from tests.conftest import tone, write_wav
from tests.test_evaluate import sample_run


def external_references(page: str) -> list[str]:
    """Every src/href that would fetch something from elsewhere."""
    return [u for u in re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page) if not u.startswith(("data:", "#"))]


def test_report_is_one_self_contained_file_with_figures_and_diffs():
    page = render_report(sample_run(label="today"), embed_audio=False)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert external_references(page) == []
    assert "<script" not in page
    for heading in ("Figures", "Across runs", "Worst rows", "All rows"):
        assert f">{heading}" in page
    assert "language te-en" in page and "tag phonetic" in page
    assert "<span class='sub' title='substituted'>నీరు → నారు</span>" in page
    assert "<span class='del' title='missing in the output'>your country</span>" in page


def test_text_is_escaped_never_markup():
    page = render_report(sample_run({"te": "నారు <img src=x onerror=alert(1)>"}), embed_audio=False)
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_worst_rows_carry_their_own_stretch_of_audio(tmp_path):
    audio = write_wav(tmp_path / "reading.wav", tone(300, 6.0, 0.3))
    run = sample_run()
    rows = [r.model_copy(update={"audio": str(audio), "offset": 1.0, "duration": 2.0}) for r in run.rows]
    page = render_report(run.model_copy(update={"rows": rows}))
    uris = re.findall(r"src='data:audio/mpeg;base64,([^']+)'", page)
    assert len(uris) == 3
    clip, rate = soundfile.read(io.BytesIO(base64.b64decode(uris[0])))
    assert abs(len(clip) / rate - 2.0) < 0.15  # the row's 2 s, not the whole 6 s recording


def test_missing_audio_is_said_not_fatal():
    page = render_report(sample_run())  # its audio paths do not exist here
    assert page.count("(audio not embedded)") == 3


def test_trend_plot_spans_runs_and_marks_evaluation_set_versions():
    runs = [
        sample_run(label=f"run {i}").model_copy(update={"created": f"2025-01-0{i + 1}", "cer": 0.5 - i / 10})
        for i in range(3)
    ]
    runs[2] = runs[2].model_copy(update={"evalset": "new-version"})
    svg = trend_svg(runs)
    assert svg.startswith("<svg") and svg.count("<polyline") == 3  # CER, WER, Telugu script
    assert svg.count("stroke-dasharray") == 1 and "set new-ve" in svg
    assert "CER 0.300" in svg
    assert "Only this run" in trend_svg(runs[:1])


def test_report_for_a_saved_run_uses_the_history_folder(tmp_path):
    history = tmp_path / "runs"
    old = sample_run({"te": "ఏదో వేరే మాట"}, label="older").model_copy(update={"created": "2025-01-01T00:00:00+00:00"})
    save_run(old, history / "old.json")
    (history / "junk.json").write_text("{}", encoding="utf-8")  # not a run: skipped with a warning
    current = save_run(sample_run(label="newer"), tmp_path / "current.json")
    page = report_for(current, history, embed_audio=False)
    assert "<polyline" in page and ">older<" in page and ">newer<" in page


def test_cli_renders_a_saved_run(tmp_path, capsys):
    current = save_run(sample_run(label="saved"), tmp_path / "current.json")
    out = tmp_path / "report.html"
    assert main(["eval", "--report", str(current), "--html", str(out)]) == 0
    assert "Evaluation saved" in out.read_text(encoding="utf-8")
