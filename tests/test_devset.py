"""The dev set as the guard sees it: manifests as they are, and one made for a lone transcript."""

from __future__ import annotations

import json
import os
import sys

import pytest

from nishabdham.errors import InputError
from nishabdham.evaluation.devset import dev_manifests
from nishabdham.evaluation.manifest import read_manifest


def test_dev_folder_gives_its_manifests_and_one_for_a_transcript(tmp_path):
    dev = tmp_path / "dev"
    (dev / "te_cv").mkdir(parents=True)
    (dev / "te_cv" / "manifest.jsonl").write_text('{"audio_filepath": "a.wav", "text": "నీరు"}\n', encoding="utf-8")
    (dev / "en_jfk").mkdir()
    (dev / "en_jfk" / "jfk.flac").write_bytes(b"fLaC")
    (dev / "en_jfk" / "transcript.txt").write_text("Ask not.\n", encoding="utf-8")
    manifests = dev_manifests(dev, tmp_path / "work")
    assert manifests == [tmp_path / "work" / "en_jfk" / "manifest.jsonl", dev / "te_cv" / "manifest.jsonl"]
    entries, problems = read_manifest(manifests[0])
    assert problems == [] and entries[0].row_id == "en_jfk/jfk.flac"
    assert (entries[0].row.text, entries[0].row.lang, entries[0].audio) == (
        "Ask not.",
        "en",
        dev / "en_jfk" / "jfk.flac",
    )
    assert json.loads(manifests[0].read_text(encoding="utf-8"))["audio_filepath"] == str(dev / "en_jfk" / "jfk.flac")


def test_a_missing_dev_folder_says_how_to_point_at_it(tmp_path):
    with pytest.raises(InputError, match="NISHABDHAM_DEV_DATA"):
        dev_manifests(tmp_path / "nowhere", tmp_path / "work")


def test_the_dev_set_kernels_are_set_before_ctranslate2_loads_or_refused(monkeypatch):
    from nishabdham.errors import ConfigError
    from nishabdham.evaluation.devset import REPRODUCIBLE_KERNELS, pin_kernels

    for name in REPRODUCIBLE_KERNELS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setitem(sys.modules, "ctranslate2", object())  # loaded with the machine's own kernels
    with pytest.raises(ConfigError, match="already loaded"):
        pin_kernels()
    monkeypatch.delitem(sys.modules, "ctranslate2")
    assert pin_kernels() == REPRODUCIBLE_KERNELS
    assert all(os.environ[name] == value for name, value in REPRODUCIBLE_KERNELS.items())
    monkeypatch.setitem(sys.modules, "ctranslate2", object())
    assert pin_kernels() == REPRODUCIBLE_KERNELS  # already in effect: nothing to refuse
