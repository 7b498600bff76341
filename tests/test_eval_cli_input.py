"""`nishabdham eval` refuses bad requests before any decoding, and names what was wrong."""

from __future__ import annotations

from nishabdham.app.cli import main


def test_results_that_could_not_be_written_fail_before_decoding(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text('{"audio_filepath": "a.wav", "text": "x", "lang": "en"}\n')
    assert main(["eval", str(manifest), "--json", str(blocker / "run.json")]) == 2
    assert "output directory cannot be written" in capsys.readouterr().err


def test_a_bad_baseline_fails_before_decoding(tmp_path, capsys):
    baseline = tmp_path / "baseline.json"
    baseline.write_text("[1, 2]")
    assert main(["eval", str(tmp_path / "m.jsonl"), "--baseline", str(baseline)]) == 2
    assert f"{baseline}: not an evaluation result" in capsys.readouterr().err


def test_a_missing_manifest_is_reported_and_nothing_is_scored(tmp_path, capsys):
    missing = tmp_path / "nope.jsonl"
    assert main(["eval", str(missing), "--no-history"]) == 1
    captured = capsys.readouterr()
    assert f"nishabdham: warning: {missing}: manifest not found" in captured.err
    assert "0 rows scored" in captured.out


def test_one_mode_at_a_time(tmp_path, capsys):
    assert main(["eval"]) == 2
    assert main(["eval", "m.jsonl", "--compare", "a.json", "b.json"]) == 2
    assert "give manifests (or --dev), or --compare A B, or --report RUN" in capsys.readouterr().err
