"""One settings object: defaults, environment, TOML file and overrides, strongest last."""

from __future__ import annotations

import pytest

from nishabdham.errors import ConfigError
from nishabdham.pipeline.decode.model import ModelOptions
from nishabdham.settings import Settings, load_settings


def test_defaults_are_the_documented_ones():
    settings = load_settings()
    assert settings.model == "bundled"
    assert settings.second_line == "translit"
    assert settings.formats == ("srt", "vtt", "json")
    assert settings.rules.max_line_complex == 30
    assert settings.model_options() == ModelOptions()  # the model stage's defaults are the settings' defaults


def test_every_setting_has_a_description():
    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert missing == []


def test_environment_overrides_defaults_including_nested_stage_options(monkeypatch):
    monkeypatch.setenv("NISHABDHAM_MODEL", "large-v3")
    monkeypatch.setenv("NISHABDHAM_RULES__MAX_CPS", "15")
    monkeypatch.setenv("NISHABDHAM_FORMATS", "srt,json")
    settings = load_settings()
    assert settings.model == "large-v3"
    assert settings.rules.max_cps == 15.0
    assert settings.formats == ("srt", "json")
    options = settings.pipeline_options()
    assert options.segment.rules.max_cps == 15.0
    assert options.model.model == "large-v3"


def test_file_is_weaker_than_environment_and_overrides_are_strongest(tmp_path, monkeypatch):
    config = tmp_path / "nishabdham.toml"
    config.write_text('model = "medium"\nlanguage = "te"\n[rules]\nmax_line_complex = 28\n', encoding="utf-8")
    monkeypatch.setenv("NISHABDHAM_LANGUAGE", "en")
    settings = load_settings(config, model="small")
    assert settings.model == "small"
    assert settings.language == "en"
    assert settings.rules.max_line_complex == 28


def test_config_file_from_the_environment(tmp_path, monkeypatch):
    config = tmp_path / "n.toml"
    config.write_text('second_line = "none"\n', encoding="utf-8")
    monkeypatch.setenv("NISHABDHAM_CONFIG", str(config))
    assert load_settings().second_line == "none"


def test_invalid_values_name_the_setting(monkeypatch):
    monkeypatch.setenv("NISHABDHAM_SECOND_LINE", "klingon")
    with pytest.raises(ConfigError, match="NISHABDHAM_SECOND_LINE"):
        load_settings()


def test_unknown_format_is_rejected():
    with pytest.raises(ConfigError, match="unknown format"):
        load_settings(formats="srt,docx")


def test_malformed_toml_is_a_clear_error(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("model = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml"):
        load_settings(config)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="settings file not found"):
        load_settings(tmp_path / "nope.toml")
