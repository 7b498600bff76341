"""The decoding section has one name, ``decode`` (issue 20): ``[decode]`` in settings, ``PipelineOptions.decode``,
``"decode"`` in a transcript's and an evaluation run's settings. Before 4 December the pipeline called it
``transcribe``; what was stored then still works: job ids stay the same, stored jobs, transcripts and
evaluation runs with the old key read as with the new.
"""

from __future__ import annotations

import json
from dataclasses import replace

from nishabdham.evaluation.evaluate import EvalRun, load_run, save_run
from nishabdham.pipeline.decode.transcribe import DecodeOptions
from nishabdham.pipeline.runner import LEGACY_DECODE_KEY, PipelineOptions, current_settings, identity_settings
from nishabdham.review_ui.recording import load_transcript
from nishabdham.settings import Settings, load_settings
from nishabdham.types import dumps
from nishabdham.workers.jobs import job_identity, output_options, settings_sha256
from nishabdham.workers.tasks import job_pipeline_options
from tests.review_support import transcript

#: ``settings_sha256(output_options(Settings()))`` as main computed it before the section was renamed
#: (commit e036754, 4 December), with the decoding section under ``transcribe``. Jobs finished since keep
#: their ids only while the default settings hash to this. A new output option, or a changed default,
#: changes it on purpose (every job is then new): update it in the same commit, never for a renamed key.
DEFAULT_SETTINGS_SHA256 = "9f7fe97767ceb03ef7a304da93142df07a273f653458d5f83f1428bdd95c8efe"


def legacy(options: dict) -> dict:
    """Output options as a job stored before 4 December holds them: the decoding section under ``transcribe``."""
    data = {key: value for key, value in options.items() if key != "decode"}
    return {**data, "transcribe": options["decode"]}


def test_the_decoding_section_is_decode_in_the_output_settings():
    settings = PipelineOptions().output_settings()
    assert settings["decode"]["beam_size"] == DecodeOptions().beam_size
    assert "transcribe" not in settings
    options = load_settings(decode={"beam_size": 3}, language="te").pipeline_options()
    assert (options.decode.beam_size, options.decode.language) == (3, "te")


def test_the_default_settings_keep_the_job_id_they_had_before_the_rename(tmp_path):
    options = output_options(Settings(data_dir=tmp_path))
    assert "decode" in options
    assert settings_sha256(options) == DEFAULT_SETTINGS_SHA256
    assert settings_sha256(legacy(options)) == DEFAULT_SETTINGS_SHA256  # a job stored before: the same id
    assert job_identity("a" * 64, settings_sha256(options)) == f"{'a' * 16}-{DEFAULT_SETTINGS_SHA256[:8]}"


def test_a_decoding_option_still_changes_the_job(tmp_path):
    base = settings_sha256(output_options(Settings(data_dir=tmp_path)))
    wider = settings_sha256(output_options(Settings(data_dir=tmp_path, decode={"beam_size": 6})))
    prompted = settings_sha256(output_options(Settings(data_dir=tmp_path, decode={"initial_prompt": "కవిత"})))
    assert len({base, wider, prompted}) == 3


def test_the_identity_form_hashes_the_section_under_its_legacy_key():
    options = PipelineOptions().output_settings()
    hashed = identity_settings(options)
    assert LEGACY_DECODE_KEY == "transcribe" and "decode" not in hashed
    assert hashed["transcribe"] == options["decode"]
    assert current_settings(hashed) == options
    assert options == PipelineOptions().output_settings()  # the caller's dict is left as it was


def test_a_job_stored_with_the_legacy_key_runs_with_its_own_decoding_options():
    settings = load_settings(decode={"beam_size": 2, "hotwords": "Vemana"}, language="te")
    stored = output_options(settings)
    from_before = job_pipeline_options(legacy(stored), load_settings())
    assert from_before == job_pipeline_options(stored, load_settings())
    assert (from_before.decode.beam_size, from_before.decode.hotwords, from_before.decode.language) == (
        2,
        "Vemana",
        "te",
    )
    assert from_before.decode != PipelineOptions().decode  # not silently the defaults


def test_a_transcript_written_before_the_rename_opens_for_review_with_decode(tmp_path):
    settings = replace(PipelineOptions(), decode=replace(DecodeOptions(), beam_size=3)).output_settings()
    data = json.loads(dumps(replace(transcript(), settings=legacy(settings))))
    assert "transcribe" in data["settings"]
    path = tmp_path / "reading.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = load_transcript(path)
    assert loaded.settings == settings and loaded.settings["decode"]["beam_size"] == 3


def test_an_evaluation_run_saved_before_the_rename_compares_with_one_saved_after(tmp_path):
    settings = PipelineOptions().output_settings()
    path = save_run(EvalRun(settings=settings), tmp_path / "new.json")
    old = json.loads(path.read_text(encoding="utf-8"))
    assert "decode" in old["settings"]
    old["settings"] = legacy(old["settings"])
    (tmp_path / "old.json").write_text(json.dumps(old), encoding="utf-8")
    assert load_run(tmp_path / "old.json").settings == load_run(path).settings == settings
