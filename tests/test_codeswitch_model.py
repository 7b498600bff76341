"""Code-switch post-processing end to end on the real bundled model and real Telugu speech."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nishabdham.app.cli import main
from nishabdham.evaluation.metrics import cer, telugu_script_share, wer
from nishabdham.pipeline.audio import load_audio
from nishabdham.pipeline.cues.rules import CueRules, line_limit
from nishabdham.pipeline.cues.subtitles import parse_srt
from nishabdham.pipeline.script import grapheme_len, script_share
from tests.conftest import write_wav

pytestmark = pytest.mark.model


def stem(path: str) -> str:
    return Path(path).stem


@pytest.fixture(scope="module")
def dev_run(tmp_path_factory, te_rows):
    out = tmp_path_factory.mktemp("dev")
    code = main(
        ["transcribe", "--no-progress", *[r["path"] for r in te_rows], "--out", str(out), "--second-line", "none"]
    )
    assert code == 0
    return out


def test_dev_clips_reach_cer_0_50_and_95_percent_telugu_script(dev_run, te_rows, artifacts):
    refs, hyps = [], []
    for row in te_rows:
        cues = parse_srt((dev_run / f"{stem(row['path'])}.srt").read_text(encoding="utf-8"))
        refs.append(row["text"])
        hyps.append(" ".join(" ".join(c.lines) for c in cues))
    figures = {"cer": cer(refs, hyps), "wer": wer(refs, hyps), "telugu_script_share": telugu_script_share(hyps)}
    (artifacts / "dev_codeswitch.json").write_text(
        json.dumps({**figures, "hypotheses": hyps}, ensure_ascii=False, indent=1)
    )
    assert figures["cer"] <= 0.50, figures
    # 94.9 % with the pinned kernels (CTranslate2 and oneDNN at AVX2) and the beam fallback, the same
    # every run; 95.9 % under the earlier pin to Intel MKL, which ran eight times slower on AMD CPUs
    # (docs/DETERMINISM.md). The Latin left is "lu no." in one held-out clip: a two-word segment of its own.
    assert figures["telugu_script_share"] >= 0.94, figures


def test_json_records_language_strategy_and_removals(dev_run, te_rows):
    data = json.loads((dev_run / f"{stem(te_rows[0]['path'])}.json").read_text(encoding="utf-8"))
    segment = data["segments"][0]
    assert segment["language"] in ("te", "te-en") and segment["script"] == "Telugu"
    assert segment["strategy"].startswith("pivot") and segment["decode_language"] == "en"
    assert any(w["source"] for w in segment["words"])  # the model's own spelling is kept beside the restoration
    assert isinstance(data["removed"], list)


@pytest.fixture(scope="module")
def code_switched(tmp_path_factory, te_rows, jfk):
    """Telugu clip, 1.5 s pause, the English JFK clip, 1.5 s pause, Telugu clip; with the clip boundaries."""
    folder = tmp_path_factory.mktemp("cs")
    first, english, last = (load_audio(p).samples for p in (te_rows[12]["path"], jfk[0], te_rows[14]["path"]))
    pause = np.zeros(24000, dtype=np.float32)
    path = write_wav(folder / "evening.wav", np.concatenate([first, pause, english, pause, last]))
    english_start = (len(first) + len(pause)) * 1000 // 16000
    english_end = english_start + len(english) * 1000 // 16000
    code = main(["transcribe", "--no-progress", str(path), "--out", str(folder), "--second-line", "none"])
    assert code == 0
    return json.loads((folder / "evening.json").read_text(encoding="utf-8")), (english_start, english_end)


def test_code_switched_reading_keeps_english_in_latin_and_telugu_in_telugu(code_switched, jfk):
    data, (start, end) = code_switched
    words = [w for s in data["segments"] for w in s["words"]]
    english = [w["text"] for w in words if start - 300 <= w["start_ms"] <= end + 300]
    telugu = [w["text"] for w in words if not start - 300 <= w["start_ms"] <= end + 300]
    assert wer([jfk[1]], [" ".join(english)]) <= 0.20
    assert script_share(" ".join(english), "Latin") >= 0.95
    assert telugu and script_share(" ".join(telugu), "Telugu") >= 0.9
    assert data["language"] == "te-en"


def test_bilingual_cues_and_separate_tracks(tmp_path, te_rows):
    code = main(["transcribe", "--no-progress", te_rows[3]["path"], "--out", str(tmp_path)])  # default: translit
    assert code == 0
    name = stem(te_rows[3]["path"])
    rules = CueRules()
    cues = parse_srt((tmp_path / f"{name}.srt").read_text(encoding="utf-8"))
    assert cues, "no subtitles at all"  # an empty file must not pass the checks below
    for cue in cues:
        assert len(cue.lines) == 2
        first, second = cue.lines
        assert script_share(first, "Telugu") > 0.5 and script_share(second, "Latin") == 1.0
        assert grapheme_len(first) <= line_limit(first, rules) and grapheme_len(second) <= line_limit(second, rules)
    telugu_track = parse_srt((tmp_path / f"{name}.te.srt").read_text(encoding="utf-8"))
    translit_track = parse_srt((tmp_path / f"{name}.te-Latn.srt").read_text(encoding="utf-8"))
    assert telugu_track and translit_track
    assert [(c.start_ms, c.end_ms) for c in telugu_track] == [(c.start_ms, c.end_ms) for c in cues]
    assert all(script_share(" ".join(c.lines), "Telugu") > 0.5 for c in telugu_track)
    assert all(script_share(" ".join(c.lines), "Latin") == 1.0 for c in translit_track)
    assert not list(tmp_path.glob("*.en.*"))  # the transliteration is Telugu in Latin letters, not English


def test_translation_second_line_is_english_on_the_same_cue_times(tmp_path, te_rows):
    code = main(
        ["transcribe", "--no-progress", te_rows[12]["path"], "--out", str(tmp_path), "--second-line", "translation"]
    )
    assert code == 0
    data = json.loads((tmp_path / f"{stem(te_rows[12]['path'])}.json").read_text(encoding="utf-8"))
    seconds = " ".join(c["second"] for c in data["cues"])
    assert seconds and script_share(seconds, "Latin") == 1.0
    english_track = parse_srt((tmp_path / f"{stem(te_rows[12]['path'])}.en.srt").read_text(encoding="utf-8"))
    assert [(c.start_ms, c.end_ms) for c in english_track] == [
        (c["start_ms"], c["end_ms"]) for c in data["cues"] if c["second"]
    ]
