"""Adapting Whisper with the real bundled model (the ``adapt`` extra: torch, transformers; run in .venv-diar).

The round trip (CTranslate2 -> transformers -> CTranslate2 int8) must decode the dev clips exactly
as the bundled model does; a tiny adaptation (two rows, one step) is trained, checked, installed,
listed and used by ``transcribe --model NAME``; a model made worse is refused; a Hugging Face
checkpoint (a tiny random Whisper made here, nothing downloaded) is converted once and decoded.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from nishabdham.adapt.ct2_reader import read_model_bin
from nishabdham.pipeline.codeswitch.options import PIVOT_PROMPT

pytestmark = pytest.mark.adapt  # torch and transformers: .venv-diar (make diarization-venv), imported in the tests


@pytest.fixture(scope="module")
def bundled() -> Path:
    from nishabdham.pipeline.decode.model import bundled_model_dir, install_bundled_model

    folder = bundled_model_dir()
    return folder if (folder / "model.bin").is_file() else install_bundled_model()


@pytest.fixture(scope="module")
def hf_model(bundled):
    from nishabdham.adapt.convert import to_transformers

    return to_transformers(bundled)


@pytest.fixture(scope="module")
def round_trip(hf_model, bundled, tmp_path_factory) -> Path:
    from nishabdham.adapt.convert import to_ctranslate2

    return to_ctranslate2(hf_model, tmp_path_factory.mktemp("rt") / "int8", bundled, quantization="int8")


def test_float16_round_trip_keeps_every_weight_and_the_config(hf_model, bundled, tmp_path):
    from nishabdham.adapt.convert import to_ctranslate2

    out = to_ctranslate2(hf_model, tmp_path / "f16", bundled, quantization="float16")
    before, after = read_model_bin(bundled / "model.bin"), read_model_bin(out / "model.bin")
    assert before.aliases == after.aliases
    for name, value in before.variables.items():
        assert after.variables[name].dtype == value.dtype, name
        assert np.array_equal(after.variables[name], value), name
    for side in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (out / side).read_bytes() == (bundled / side).read_bytes(), side
    assert json.loads((out / "config.json").read_text())["alignment_heads"] == [
        [3, 1], [4, 2], [4, 3], [4, 7], [5, 1], [5, 2], [5, 4], [5, 6]
    ]  # fmt: skip


def test_int8_round_trip_reads_back_close_to_the_float_weights(round_trip, bundled):
    base, rt = read_model_bin(bundled / "model.bin"), read_model_bin(round_trip / "model.bin")
    name = "decoder/layer_3/attention/linear_1/weight"
    assert rt.get(name).dtype == np.int8
    original = base.weight(name)
    step = np.abs(original).max(axis=1, keepdims=True) / 127  # one int8 step per row
    assert np.all(np.abs(rt.weight(name) - original) <= step * 0.5 + 1e-6)
    assert rt.get("encoder/conv1/weight").dtype == np.float32  # as CTranslate2 itself leaves them at load


def _decode(model, path: str) -> str:
    segments, _ = model.transcribe(
        path, language="en", initial_prompt=PIVOT_PROMPT, beam_size=5, temperature=0.0, word_timestamps=True
    )
    return " ".join(s.text.strip() for s in segments)


def test_untrained_int8_round_trip_decodes_the_dev_clips_as_the_bundled_model(round_trip, bundled, te_rows):
    from faster_whisper import WhisperModel

    base = WhisperModel(str(bundled), device="cpu", compute_type="int8", cpu_threads=2)
    rt = WhisperModel(str(round_trip), device="cpu", compute_type="int8", cpu_threads=2)
    differ = [
        (row["path"], a, b) for row in te_rows if (a := _decode(base, row["path"])) != (b := _decode(rt, row["path"]))
    ]
    assert not differ, differ
    assert len(te_rows) >= 15


def _two_rows(te_rows, folder: Path) -> Path:
    """Two rows of two recordings (one trained on, one held out), paths absolute."""
    lines = [{k: v for k, v in row.items() if k != "path"} | {"audio_filepath": row["path"]} for row in te_rows[:2]]
    manifest = folder / "manifest.jsonl"
    manifest.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    return manifest


def test_tiny_adapt_installs_lists_and_decodes(te_rows, tmp_path, capsys):
    from nishabdham.app.cli import main

    manifest = _two_rows(te_rows, tmp_path)
    assert (
        main(["adapt", str(manifest), "--name", "reader-a", "--max-steps", "1", "--batch-size", "2", "--no-progress"])
        == 0
    )
    out = capsys.readouterr().out
    assert "held-out: CER" in out and "installed reader-a" in out
    assert main(["models"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("reader-a\t1 rows")
    assert main(["models", "--json"]) == 0
    (card,) = json.loads(capsys.readouterr().out)
    folder = Path(card["path"])
    assert {"model.bin", "config.json", "tokenizer.json", "card.json", "README.md"} <= {
        p.name for p in folder.iterdir()
    }
    card = card["card"]
    assert card["rows"] == {"train": 1, "held_out": 1, "in_manifest_train_split": 1}
    assert card["training"]["steps"] == 1 and card["speakers"] == ["cv_te_spkA"]
    (check,) = card["checks"]
    assert check["passed"] and check["after"]["cer"] <= check["before"]["cer"]
    assert "| held-out | 1 |" in (folder / "README.md").read_text(encoding="utf-8")
    assert read_model_bin(folder / "model.bin").get("decoder/layer_0/ffn/linear_0/weight").dtype == np.int8

    assert (
        main(
            ["transcribe", te_rows[2]["path"], "--out", str(tmp_path / "subs"), "--model", "reader-a", "--no-progress"]
        )
        == 0
    )
    transcript = tmp_path / "subs" / f"{Path(te_rows[2]['path']).stem}.json"  # not its .qa.json beside it
    result = json.loads(transcript.read_text(encoding="utf-8"))
    text = json.dumps(result, ensure_ascii=False)
    assert '"reader-a"' in text and "pivot" in text  # the adapted model, decoding through the pivot it learned
    assert any("\u0c00" <= ch <= "\u0c7f" for ch in text)  # Telugu restored from its romanization


def test_a_model_that_fails_its_check_is_refused_and_not_installed(te_rows, tmp_path):
    """The gate through the real run: a bar no model can pass (CER must fall by a whole point) refuses it.

    (A model really ruined, say by lr 0.05, decodes garbage up to Whisper's 448 tokens with every
    fallback temperature: the same refusal, many minutes later. The rules themselves: test_adapt.py.)
    """
    from nishabdham.adapt.job import adapt_model
    from nishabdham.adapt.options import AdaptOptions
    from nishabdham.settings import load_settings

    settings = load_settings()
    manifest = _two_rows(te_rows, tmp_path)
    options = AdaptOptions(max_steps=1, batch_size=2, max_worse=-1.0)
    result = adapt_model(manifest, "refused", settings.data_dir, settings.pipeline_options(), options)
    assert not result.installed and result.path is None
    assert result.refusal.startswith("the adapted model got worse, so it was not installed: held-out: CER")
    assert result.card["refused"] == result.refusal and result.card["checks"][0]["passed"] is False
    root = Path(settings.data_dir) / "models"
    assert not (root / "refused").exists()
    assert not [p for p in root.iterdir() if p.name.startswith(".adapt-")]  # nothing half-written left


def _tiny_checkpoint(folder: Path, bundled: Path, language: str | None) -> Path:
    import torch
    import transformers

    config = transformers.WhisperConfig(
        vocab_size=51865, d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, num_mel_bins=80,
        decoder_start_token_id=50258, bos_token_id=50257, eos_token_id=50257, pad_token_id=50257,
    )  # fmt: skip
    torch.manual_seed(0)
    model = transformers.WhisperForConditionalGeneration(config)
    if language:
        model.generation_config.language = language
    model.save_pretrained(folder)
    shutil.copyfile(bundled / "tokenizer.json", folder / "tokenizer.json")
    return folder


def test_a_hugging_face_checkpoint_is_converted_once_and_decodes_by_what_it_writes(bundled, tmp_path, monkeypatch):
    from nishabdham.adapt import native
    from nishabdham.pipeline.decode.model import load_model
    from nishabdham.settings import load_settings

    telugu = _tiny_checkpoint(tmp_path / "whisper-telugu-tiny", bundled, "te")
    settings = load_settings(model=str(telugu))
    options = settings.pipeline_options()
    converted = Path(options.model.model)
    assert converted.parent == Path(settings.data_dir) / "models" / "converted"
    assert (converted / "model.bin").is_file() and (converted / "tokenizer.json").is_file()
    assert options.codeswitch.strategy == "native"  # it writes Telugu script: no pivot

    def converted_again(*_args, **_kwargs):
        raise AssertionError("converted twice")

    monkeypatch.setattr(native, "convert_checkpoint", converted_again)
    assert load_settings(model=str(telugu)).model_options().model == str(converted)  # cached by hash
    monkeypatch.undo()

    loaded = load_model(options.model)
    segments, info = loaded.whisper.transcribe(np.zeros(32000, dtype=np.float32), language="te", beam_size=1)
    list(segments)  # random weights write anything; the point is that it loads and runs
    assert info.language == "te"

    english = _tiny_checkpoint(tmp_path / "whisper-other", bundled, None)
    other = load_settings(model=str(english)).pipeline_options()
    assert Path(other.model.model) != converted
    assert other.codeswitch.strategy == "auto"  # nothing says Telugu: chosen by name as for any model
