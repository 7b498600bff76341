"""Reading evaluation-set manifests: every bad line reported by number, the good ones kept."""

from __future__ import annotations

import json

import pytest

from nishabdham.errors import ManifestError
from nishabdham.evaluation.manifest import read_manifest


@pytest.fixture
def evalset(tmp_path):
    """A manifest folder with one recording (the content does not matter here)."""
    folder = tmp_path / "set"
    (folder / "audio").mkdir(parents=True)
    (folder / "audio" / "a.wav").write_bytes(b"RIFF")
    (tmp_path / "outside.wav").write_bytes(b"RIFF")
    return folder


def write(folder, *lines: str):
    path = folder / "manifest.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def row(**fields) -> str:
    base = {"audio_filepath": "audio/a.wav", "text": "నీరు ప్రవహించింది", "lang": "te"}
    return json.dumps({**base, **fields}, ensure_ascii=False)


def test_each_kind_of_bad_line_is_reported_with_its_number_and_the_good_rows_are_kept(evalset):
    manifest = write(
        evalset,
        row(),  # 1 good
        '{"audio_filepath": "audio/a.wav", "text": ',  # 2 broken JSON
        row(audio_filepath="../outside.wav"),  # 3 escapes the folder
        row(audio_filepath="audio/missing.wav"),  # 4 missing audio
        row(text=" ... "),  # 5 empty reference (punctuation only)
        row(lang="ta"),  # 6 unknown language
        "",  # blank: skipped, not a problem
        row(tags=["phonetic", "typo"]),  # 8 unknown tag
        "[1, 2]",  # 9 not an object
        json.dumps({"text": "x"}),  # 10 no audio_filepath
        row(offset=-1),  # 11 negative offset
        row(lang="te-en", text="ఈ poem", offset=1.5, duration=2.0),  # 12 good
    )
    entries, problems = read_manifest(manifest)
    assert [e.line for e in entries] == [1, 12]
    messages = {p.line: p.message for p in problems}
    assert sorted(messages) == [2, 3, 4, 5, 6, 8, 9, 10, 11]
    assert messages[2].startswith("broken JSON")
    assert "leaves the manifest's folder" in messages[3]
    assert messages[4].startswith("audio_filepath not found") and "missing.wav" in messages[4]
    assert messages[5] == "empty reference text"
    assert "unknown language 'ta'" in messages[6]
    assert "'typo'" in messages[8]
    assert "JSON object" in messages[9]
    assert "audio_filepath" in messages[10]
    assert "offset" in messages[11]
    assert str(problems[0]) == f"{manifest}:2: {messages[2]}"


def test_paths_resolve_against_the_manifest_folder_and_absolute_paths_are_allowed(evalset, tmp_path):
    manifest = write(
        evalset, row(), row(audio_filepath=str(tmp_path / "outside.wav")), row(audio_filepath="audio/../audio/a.wav")
    )
    entries, problems = read_manifest(manifest)
    assert problems == []
    assert entries[0].audio == evalset / "audio" / "a.wav"
    assert entries[1].audio == tmp_path / "outside.wav"
    assert entries[2].audio == evalset / "audio" / "a.wav"


def test_row_ids_are_the_same_wherever_the_set_lives(evalset):
    manifest = write(evalset, row(), row(offset=2.5, duration=1.0))
    entries, _ = read_manifest(manifest)
    assert [e.row_id for e in entries] == ["set/audio/a.wav", "set/audio/a.wav@2.5"]


def test_files_need_not_exist_when_not_checked(evalset):
    manifest = write(evalset, row(audio_filepath="audio/gone.wav", hypothesis="నారు"))
    entries, problems = read_manifest(manifest, check_files=False)
    assert problems == [] and entries[0].row.hypothesis == "నారు"


def test_an_unreadable_manifest_is_one_error_naming_the_file(tmp_path):
    with pytest.raises(ManifestError, match="manifest not found"):
        read_manifest(tmp_path / "nope.jsonl")
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes('{"text": "caf\xe9"}\n'.encode("latin-1"))
    with pytest.raises(ManifestError, match="not UTF-8") as caught:
        read_manifest(latin1)
    assert str(latin1) in str(caught.value)
