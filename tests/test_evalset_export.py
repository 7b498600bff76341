"""Evaluation sets export to a folder that Hugging Face `datasets` loads, audio included."""

from __future__ import annotations

import io
import json

import datasets
import soundfile

from nishabdham.app.cli import main
from tests.conftest import tone, write_wav


def test_export_loads_with_datasets_and_carries_each_rows_audio(tmp_path, capsys):
    folder = tmp_path / "set"
    folder.mkdir()
    write_wav(folder / "reading.wav", tone(440, 6.0, 0.3, sample_rate=44100), sample_rate=44100)
    rows = [
        {
            "audio_filepath": "reading.wav",
            "offset": 1.0,
            "duration": 2.5,
            "text": "నీరు ప్రవహించింది",
            "lang": "te",
            "tags": ["phonetic"],
            "hypothesis": "నారు",
            "speaker": "A",
        },
        {"audio_filepath": "reading.wav", "text": "ask not", "lang": "en"},
        {"audio_filepath": "missing.wav", "text": "lost", "lang": "en"},
        {"audio_filepath": "reading.wav", "offset": 30.0, "text": "past the end", "lang": "en"},
    ]
    manifest = folder / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "export"

    assert main(["evalset", "export", str(manifest), "--out", str(out), "--split", "test"]) == 1
    err = capsys.readouterr().err
    assert f"{manifest}:3: audio_filepath not found" in err and f"{manifest}:4:" in err and "past the end" in err

    ds = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))  # the cache stays in the test folder
    assert list(ds) == ["test"] and ds["test"].num_rows == 2
    assert ds["test"].features["audio"] == datasets.Audio(sampling_rate=16000)
    first = ds["test"].cast_column("audio", datasets.Audio(decode=False))[0]
    assert first["text"] == "నీరు ప్రవహించింది" and first["lang"] == "te" and first["tags"] == ["phonetic"]
    assert first["hypothesis"] == "నారు" and json.loads(first["extra"]) == {"speaker": "A"}
    assert first["id"] == "set/reading.wav@1" and first["duration"] == 2.5
    samples, rate = soundfile.read(io.BytesIO(first["audio"]["bytes"]))
    assert rate == 16000 and samples.ndim == 1 and abs(len(samples) / rate - 2.5) < 0.01
    whole = ds["test"].cast_column("audio", datasets.Audio(decode=False))[1]
    assert abs(whole["duration"] - 6.0) < 0.01
    assert (out / "README.md").read_text(encoding="utf-8").startswith("---\nconfigs:")
