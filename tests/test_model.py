"""The bundled model is assembled, verified and never loaded when damaged; other models fail clearly."""

from __future__ import annotations

import shutil

import pytest

from nishabdham.errors import ModelError, ModelIntegrityError
from nishabdham.installed import sha256_file
from nishabdham.pipeline.decode.model import (
    BUNDLED_SHA256,
    BUNDLED_SIZE,
    ModelOptions,
    bundled_model_dir,
    install_bundled_model,
    load_model,
    resolve_device,
    verify_bundled_model,
)

SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def _fake_bundled(tmp_path, size=BUNDLED_SIZE):
    """A models dir whose bundled model has the right side files but wrong weights."""
    target = bundled_model_dir(ModelOptions(models_dir=str(tmp_path)))
    target.mkdir(parents=True)
    real = bundled_model_dir()
    for name in SIDE_FILES:
        shutil.copyfile(real / name, target / name)
    with (target / "model.bin").open("wb") as handle:
        handle.truncate(size)  # sparse: right size, wrong bytes
    return target


def test_installed_bundled_model_verifies():
    directory = bundled_model_dir()
    verify_bundled_model(directory)
    assert (directory / "model.bin").stat().st_size == BUNDLED_SIZE
    assert sha256_file(directory / "model.bin") == BUNDLED_SHA256
    assert all((directory / name).stat().st_size > 0 for name in SIDE_FILES)


def test_install_assembles_the_two_parts_into_a_verified_directory(tmp_path):
    path = install_bundled_model(ModelOptions(models_dir=str(tmp_path)))
    assert (path / "model.bin").stat().st_size == BUNDLED_SIZE
    verify_bundled_model(path)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".assemble-")]


def test_wrong_hash_is_a_clear_error_and_the_model_is_not_loaded(tmp_path):
    _fake_bundled(tmp_path)
    with pytest.raises(ModelIntegrityError, match="sha256 .* expected d01c3014"):
        load_model(ModelOptions(models_dir=str(tmp_path)))


def test_wrong_size_is_a_clear_error(tmp_path):
    target = _fake_bundled(tmp_path, size=1000)
    with pytest.raises(ModelIntegrityError, match="1000 bytes, expected 145217532"):
        verify_bundled_model(target)


def test_install_repairs_a_damaged_bundled_model(tmp_path):
    target = _fake_bundled(tmp_path)
    assert sha256_file(target / "model.bin") != BUNDLED_SHA256
    assert install_bundled_model(ModelOptions(models_dir=str(tmp_path))) == target
    verify_bundled_model(target)
    assert sha256_file(target / "model.bin") == BUNDLED_SHA256  # the damaged weights were replaced
    assert all((target / name).read_bytes() == (bundled_model_dir() / name).read_bytes() for name in SIDE_FILES)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".assemble-")]


def test_unknown_model_name_lists_what_is_known():
    with pytest.raises(ModelError, match="unknown model 'no-such-model'.*large-v3"):
        load_model(ModelOptions(model="no-such-model"))


def test_directory_without_model_files_is_rejected(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelError, match=r"not a CTranslate2 Whisper model directory \(model.bin missing\)"):
        load_model(ModelOptions(model=str(tmp_path)))


def test_named_model_that_is_not_here_says_how_to_fix_it(tmp_path):
    options = ModelOptions(model="large-v3", models_dir=str(tmp_path), local_files_only=True)
    with pytest.raises(ModelError, match="not on this machine.*--model with a local CTranslate2 model directory"):
        load_model(options)


def test_auto_device_is_cuda_float16_with_a_gpu_else_cpu_int8():
    import ctranslate2

    expected = ("cuda", "float16") if ctranslate2.get_cuda_device_count() > 0 else ("cpu", "int8")
    assert resolve_device(ModelOptions()) == expected
    assert resolve_device(ModelOptions(device="cpu", compute_type="float32")) == ("cpu", "float32")
