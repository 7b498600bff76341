"""Every setting, set through the environment, reaches the stage that uses it; typos are errors."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import pytest
from pydantic import SecretStr

from nishabdham.errors import ConfigError
from nishabdham.pipeline.decode.model import DOC, ModelOptions
from nishabdham.settings import ENV_PREFIX, SET_BY, Settings, load_settings

#: The model stage's options: top-level settings of the same names (``NISHABDHAM_DEVICE``).
MODEL_OPTIONS = [option.name for option in dataclasses.fields(ModelOptions)]

#: Where the pipeline receives each section of settings (None: used outside the pipeline).
PIPELINE_HOME = {
    "normalize": "normalize",
    "vad": "decode.vad",
    "decode": "decode",
    "rules": "segment.rules",
    "codeswitch": "codeswitch",
    "diarize": "diarize",
    **{name: f"model.{name}" for name in MODEL_OPTIONS},
    "language": "decode.language",
    "second_line": "second_line",
    "formats": "writer.formats",
    "speaker_names": "writer.speaker_names",
}
#: Values of settings whose type alone does not say what is valid.
SPECIAL = {
    "model": "large-v3",
    "compute_type": "int8_float32",
    "language": "te",
    "log_level": "DEBUG",
    "formats": ("srt", "json"),
    "speaker_names": {"SPEAKER_00": "Host"},
    "data_dir": "/tmp/nishabdham-settings-test",
    "broker_url": "redis://127.0.0.1:6390/3",
    "database_url": "sqlite:////tmp/nishabdham-settings-test.sqlite3",
    "vad.backend": "pyannote",
    "codeswitch.strategy": "native",
    "codeswitch.english_words": "telugu",
}


def _leaves(cls, prefix: str = ""):
    """(dotted path, type, default) of every setting, stage options included."""
    if isinstance(cls, type) and issubclass(cls, Settings):
        hints = typing.get_type_hints(cls, include_extras=False)
        for name, field in cls.model_fields.items():
            default = field.get_default(call_default_factory=True)
            yield from _leaf_or_section(name, hints[name], default)
        return
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        if prefix == "decode" and (prefix, field.name) in SET_BY:
            continue  # set by another setting (test_an_option_set_elsewhere_is_an_error_naming_the_setting)
        default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
        yield from _leaf_or_section(f"{prefix}.{field.name}", hints[field.name], default)


def _leaf_or_section(path, annotation, default):
    if dataclasses.is_dataclass(annotation):
        yield from _leaves(annotation, path)
    else:
        yield path, annotation, default


def _other_value(path: str, annotation, default):
    if path in SPECIAL:
        return SPECIAL[path]
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return next(choice for choice in typing.get_args(annotation) if choice != default)
    if annotation is bool:
        return not default
    if annotation is int:
        return default + 7
    if annotation is float:
        return round(default * 0.5, 4) if default else 0.25
    if annotation is str:
        return "changed-by-test"
    if annotation is SecretStr:
        return SecretStr("changed-by-test")
    if origin is tuple:
        item = typing.get_args(annotation)[0]
        return (0.0, 0.5) if item is float else ("/tmp/changed-by-test.toml",)
    raise AssertionError(f"no test value for {path}: {annotation}")


def _env_name(path: str) -> str:
    return ENV_PREFIX + path.replace(".", "__").upper()


def _env_value(path: str, value) -> str:
    if path == "formats":  # the one list given comma-separated, as users write it
        return ",".join(value)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | tuple | list):
        return json.dumps(list(value) if isinstance(value, tuple) else value)
    return str(value)


def _get(obj, dotted: str):
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


LEAVES = list(_leaves(Settings))


def test_the_walk_finds_every_setting():
    assert len(LEAVES) > 60
    assert {"decode.beam_size", "vad.threshold", "codeswitch.langid.telugu_prior", "rules.max_cps"} <= {
        p for p, _, _ in LEAVES
    }


@pytest.mark.parametrize(("path", "annotation", "default"), LEAVES, ids=[p for p, _, _ in LEAVES])
def test_every_setting_set_through_the_environment_reaches_its_stage(path, annotation, default, monkeypatch):
    value = _other_value(path, annotation, default)
    assert value != default, path
    monkeypatch.setenv(_env_name(path), _env_value(path, value))
    if path == "visibility_timeout_s":  # must exceed job_timeout_s: the other way round is an error
        monkeypatch.setenv(_env_name("job_timeout_s"), "600")
    settings = load_settings()
    got = _get(settings, path)
    expected = value
    if isinstance(got, SecretStr):
        got, expected = got.get_secret_value(), value.get_secret_value()
    if isinstance(got, Path):
        expected = Path(value)
    assert got == expected, path
    section, _, rest = path.partition(".")
    home = PIPELINE_HOME.get(section)
    if home is not None:
        received = _get(settings.pipeline_options(), f"{home}.{rest}" if rest else home)
        assert received == expected, f"{path} did not reach the pipeline ({home})"


@pytest.mark.parametrize("name", MODEL_OPTIONS)
def test_every_model_option_is_a_setting_of_its_own_that_reaches_the_model_stage(name, monkeypatch, tmp_path):
    """An option added to ModelOptions is a setting at once: its variable, its TOML key, its description."""
    option = next(option for option in dataclasses.fields(ModelOptions) if option.name == name)
    annotation = typing.get_type_hints(ModelOptions)[name]
    value = _other_value(name, annotation, option.default)
    assert value != option.default, name
    monkeypatch.setenv(_env_name(name), _env_value(name, value))
    assert getattr(load_settings().model_options(), name) == value, f"{_env_name(name)} did not reach ModelOptions"
    monkeypatch.delenv(_env_name(name))
    config = tmp_path / "model.toml"
    config.write_text(f"{name} = {json.dumps(value)}\n", encoding="utf-8")
    assert getattr(load_settings(config).model_options(), name) == value, f"{name} in the TOML file"
    assert getattr(Settings(**{name: value}).model_options(), name) == value
    field = Settings.model_fields[name]
    assert field.description, name
    if name != "model":  # the setting is the user's name for the model, the option what it resolved to
        assert (field.annotation, field.default, field.description) == (
            annotation,
            option.default,
            option.metadata[DOC],
        )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [("DEVICE", "gpu", "'auto', 'cpu' or 'cuda'"), ("CPU_THREADS", "-1", "greater than or equal to 0")]
    + [("DECODE_WORKERS", "-2", "greater than or equal to 0"), ("LOCAL_FILES_ONLY", "maybe", "boolean")],
)
def test_a_bad_model_setting_is_an_error_naming_it(name, value, message, monkeypatch):
    monkeypatch.setenv(ENV_PREFIX + name, value)
    with pytest.raises(ConfigError, match=f"{ENV_PREFIX}{name}: .*{message}"):
        load_settings()


@pytest.mark.parametrize(("key", "setting"), [("DECODE__LANGUAGE", "LANGUAGE"), ("DECODE__VAD__THRESHOLD", "VAD")])
def test_an_option_set_elsewhere_is_an_error_naming_the_setting(key, setting, monkeypatch):
    monkeypatch.setenv(ENV_PREFIX + key, "te" if "LANGUAGE" in key else "0.9")
    with pytest.raises(ConfigError, match=f"{ENV_PREFIX}{setting}"):
        load_settings()


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("LANGAUGE", "NISHABDHAM_LANGAUGE is not a setting .did you mean NISHABDHAM_LANGUAGE"),
        ("DECODE__BEAM_SZE", "NISHABDHAM_DECODE__BEAM_SZE"),
        ("MODEL__NAME", "NISHABDHAM_MODEL__NAME: model has no options"),
        ("CODESWITCH__LANGID__TELUGU_PRIR", "NISHABDHAM_CODESWITCH__LANGID__TELUGU_PRIR"),
    ],
)
def test_a_typo_in_the_environment_is_an_error_naming_the_key(key, message, monkeypatch):
    monkeypatch.setenv(ENV_PREFIX + key, "1")
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_a_typo_or_a_duplicate_in_the_settings_file_is_an_error(tmp_path):
    typo = tmp_path / "typo.toml"
    typo.write_text("[decode]\nbeam_sze = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="DECODE__BEAM_SZE"):
        load_settings(typo)
    twice = tmp_path / "twice.toml"
    twice.write_text('model = "small"\nmodel = "medium"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="twice.toml"):
        load_settings(twice)
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text('[decode]\nlanguage = "te"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="NISHABDHAM_LANGUAGE"):
        load_settings(elsewhere)


def test_variables_of_the_tooling_are_not_mistaken_for_settings(monkeypatch):
    monkeypatch.setenv("NISHABDHAM_MEDIA", "/media")
    monkeypatch.setenv("NISHABDHAM_CHROMIUM", "/usr/bin/chromium")
    assert load_settings().model == "bundled"


@pytest.mark.parametrize("command", ["transcribe", "batch"])
def test_every_model_option_of_the_command_line_reaches_the_settings(command, tmp_path):
    """`--english` and the rest are read the same way by every command that accepts them."""
    from nishabdham.app.cli import build_parser
    from nishabdham.app.cli.common import model_settings

    argv = [command, str(tmp_path), "--out", str(tmp_path / "subs"), "--model", "small", "--language", "te"]
    argv += ["--second-line", "none", "--formats", "srt", "--english", "telugu"]
    settings = model_settings(build_parser().parse_args(argv))
    options = settings.pipeline_options()
    assert (options.model.model, options.decode.language, options.second_line) == ("small", "te", "none")
    assert options.writer.formats == ("srt",) and options.codeswitch.english_words == "telugu"
