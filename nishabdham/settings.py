"""The one settings object, read once at the edge and passed down.

Sources, strongest first: command-line options, environment variables with the
``NISHABDHAM_`` prefix (nested options with ``__``, e.g.
``NISHABDHAM_RULES__MAX_CPS=15``), a TOML file named by ``--config`` or
``NISHABDHAM_CONFIG``, then the defaults below. Stage options are the stages'
own dataclasses, so each option is defined once, with its default and its
doc, next to the code that uses it.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import typing
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from nishabdham.errors import ConfigError
from nishabdham.pipeline.audio import NormalizeOptions
from nishabdham.pipeline.codeswitch import CodeSwitchOptions
from nishabdham.pipeline.cues.qa import QaOptions
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.pipeline.cues.segment import SegmentOptions
from nishabdham.pipeline.cues.subtitles import FORMATS, WriterOptions
from nishabdham.pipeline.decode.model import BUNDLED, DOC, ModelOptions
from nishabdham.pipeline.decode.transcribe import DecodeOptions
from nishabdham.pipeline.known_text.library_cues import LibraryOptions
from nishabdham.pipeline.runner import PipelineOptions, SecondLineMode
from nishabdham.pipeline.speakers.diarize import DiarizeOptions
from nishabdham.pipeline.vad import VadOptions

ENV_PREFIX = "NISHABDHAM_"
#: ``NISHABDHAM_`` variables that are not settings: the settings file, and the tooling's own
#: (the dev recordings of ``make eval-dev``, the media folder of docker/compose.yaml, the browser of the tests).
NOT_SETTINGS = frozenset({"CONFIG", "DEV_DATA", "MEDIA", "CHROMIUM"})
#: Stage options that one other setting sets, so each is defined once: (section, key) -> that setting.
SET_BY = {("decode", "language"): "language", ("decode", "vad"): "vad"}
_config_file: ContextVar[str | None] = ContextVar("nishabdham_config_file", default=None)


def _default_data_dir() -> str:
    from platformdirs import user_data_dir

    return user_data_dir("nishabdham", appauthor=False)


def _top_level_settings(options: type, own: frozenset[str]) -> type[BaseSettings]:
    """Settings fields for the fields of the dataclass ``options`` but ``own`` (each with its type,
    default and the description in its metadata), for options shown at the top level, not as a section."""
    hints = typing.get_type_hints(options, include_extras=True)
    fields: dict[str, Any] = {}
    for option in dataclasses.fields(options):
        if option.name in own:
            continue
        if option.default_factory is not dataclasses.MISSING:
            default: dict[str, Any] = {"default_factory": option.default_factory}
        else:
            default = {"default": option.default}
        fields[option.name] = (hints[option.name], Field(**default, description=option.metadata.get(DOC)))
    return create_model(f"{options.__name__}Settings", __base__=BaseSettings, **fields)


#: ``device``, ``compute_type``, ``cpu_threads`` ...: the model stage's options, defined once in ModelOptions,
#: are top-level settings (``NISHABDHAM_DEVICE``, ``device = "cpu"`` in the TOML file). ``model`` is Settings'
#: own: the name the user gives, which ``Settings.resolved_model`` turns into ``ModelOptions.model``.
ModelSettings = _top_level_settings(ModelOptions, own=frozenset({"model"}))
#: The model settings handed to ModelOptions as they are.
MODEL_SETTINGS = tuple(ModelSettings.model_fields)


class Settings(ModelSettings):
    """Every setting of Nishabdham, with its default and what it does."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True, validate_default=True
    )

    # --- model (the rest of the model settings come from ModelOptions, see ModelSettings) ----
    model: str = Field(
        BUNDLED,
        description="`bundled` (Whisper base), an adapted model's name (`nishabdham models`), a faster-whisper model name, "
        "a local CTranslate2 model directory, or a Hugging Face Whisper checkpoint directory (converted once; adapt extra). "
        "The model stage gets what it names (resolved_model).",
    )

    # --- what to produce ----------------------------------------------------------------
    language: str = Field("auto", description="Spoken language: auto, te or en (any Whisper code works).")
    second_line: SecondLineMode = Field(
        "translit", description="Second subtitle line: ISO 15919 transliteration, English translation, or none."
    )
    formats: Annotated[tuple[str, ...], NoDecode] = Field(FORMATS, description="Output formats, any of srt, vtt, json.")

    # --- where things live --------------------------------------------------------------
    data_dir: Path = Field(
        default_factory=lambda: Path(_default_data_dir()),
        description="Jobs, uploads, versions and evaluation sets live here.",
    )
    log_level: str = Field("INFO", description="Logging level of the command-line tools and workers.")
    library: str = Field(
        "",
        description="The poem library (a folder of published texts) that recordings are matched against by default "
        "(`--library`); empty means none. Its search index is kept in data_dir/library-index.",
    )

    # --- review in the browser (`nishabdham review`) -------------------------------------
    review_password: SecretStr = Field(
        SecretStr(""),
        description="Password reviewers sign in with; empty means no password (allowed on 127.0.0.1 only).",
    )
    review_oidc: bool = Field(
        False, description="Sign in with OIDC through st.login; needs an [auth] section in .streamlit/secrets.toml."
    )
    review_oidc_provider: str = Field(
        "", description="Named [auth.<provider>] section for st.login; empty uses the default [auth] provider."
    )
    review_max_upload_mb: int = Field(
        500, ge=1, description="Largest recording a reviewer may upload, in MB (1 MB = 1,048,576 bytes)."
    )
    review_undo_depth: int = Field(100, ge=1, description="How many edits a reviewer can undo.")
    review_table_rows: int = Field(
        50,
        ge=0,
        description="Rows of the review page's cue table, drawn around the selected cue (0: every cue). "
        "Fewer rows make each edit of a long recording show sooner.",
    )
    review_session_hours: float = Field(
        12.0,
        ge=0.0,
        description="How long a sign-in survives page reloads (a signed cookie); 0 asks again on every reload.",
    )

    # --- stage options (each defined in its stage's module) --------------------------
    normalize: NormalizeOptions = Field(default_factory=NormalizeOptions, description="Audio normalization.")
    vad: VadOptions = Field(default_factory=VadOptions, description="Voice-activity detection and windows.")
    decode: DecodeOptions = Field(default_factory=DecodeOptions, description="Whisper decoding.")
    rules: CueRules = Field(default_factory=CueRules, description="Subtitle rule profile.")
    codeswitch: CodeSwitchOptions = Field(
        default_factory=CodeSwitchOptions,
        description="Code-switch post-processing: strategy, English-word policy, glossary, hallucination guard.",
    )
    diarize: DiarizeOptions = Field(
        default_factory=DiarizeOptions, description="Speakers, and cues kept out of non-speech."
    )
    speaker_names: dict[str, str] = Field(
        default_factory=dict,
        description='Names for speaker labels, e.g. {"SPEAKER_00": "Host"}, applied when subtitles are written.',
    )

    # --- queue and job store (`nishabdham batch`, `worker`, `jobs`) -------------------
    broker_url: str = Field(
        "redis://127.0.0.1:6379/0", description="Celery broker (Redis) that every worker and `nishabdham batch` share."
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the job store (e.g. postgresql://...); empty means SQLite `jobs.sqlite3` in data_dir.",
    )
    queue_name: str = Field("nishabdham", description="Name of the Celery queue the jobs go to.")
    max_attempts: int = Field(
        3, ge=1, description="Tries per job, counting crashed workers; then the job fails with its last error."
    )
    job_timeout_s: int = Field(
        21600, ge=10, description="Longest time one job may run before it fails (a soft time limit on the task)."
    )
    visibility_timeout_s: int = Field(
        25200,
        ge=60,
        description="Seconds before Redis hands an unacknowledged job to another worker; must exceed job_timeout_s.",
    )
    job_lease_s: int = Field(
        120,
        ge=5,
        description="A running job whose worker gave no sign of life for this long is taken over by another worker.",
    )
    qa: QaOptions = Field(
        default_factory=QaOptions, description="What the per-file QA report beside the subtitles flags."
    )

    @model_validator(mode="before")
    @classmethod
    def _each_option_once(cls, data: Any) -> Any:
        """``decode.language`` and ``decode.vad`` are set by ``language`` and ``vad``: naming them is an error.

        Lists inside stage options (``NISHABDHAM_DECODE__TEMPERATURES=0,0.4``) come from the
        environment as text: they are read as JSON (``[0, 0.4]``) or comma-separated.
        """
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                if dataclasses.is_dataclass(field.annotation) and isinstance(data.get(name), dict):
                    data = {**data, name: _lists_from_text(field.annotation, data[name])}
            for (section, key), setting in SET_BY.items():
                value = data.get(section)
                if isinstance(value, dict) and key in value:
                    raise ValueError(
                        f"{section}.{key} ({ENV_PREFIX}{section.upper()}__{key.upper()}) is not a setting of its own: "
                        f"set {setting} ({ENV_PREFIX}{setting.upper()}) instead"
                    )
        return data

    @field_validator("visibility_timeout_s")
    @classmethod
    def _visibility_above_job_timeout(cls, value: int, info: ValidationInfo) -> int:
        job_timeout = info.data.get("job_timeout_s", 0)
        if value <= job_timeout + 60:
            raise ValueError(
                f"must exceed job_timeout_s ({job_timeout}) by more than 60 s, "
                "or Redis hands a running job to a second worker"
            )
        return value

    @field_validator("formats", mode="before")
    @classmethod
    def _split_formats(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        unknown = [v for v in value if v not in FORMATS]
        if unknown:
            raise ValueError(f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
        return tuple(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file.get() or os.environ.get(f"{ENV_PREFIX}CONFIG")
        if path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(path)))
        return tuple(sources)

    # --- derived ------------------------------------------------------------------------
    def resolved_model(self) -> str:
        """What ``model`` names: an adapted model's folder, a converted Hugging Face checkpoint's, or itself."""
        from nishabdham.adapt.registry import resolve

        return resolve(self.model, self.data_dir)

    def model_options(self) -> ModelOptions:
        """The model stage's options: the model settings as they are, ``model`` resolved."""
        return ModelOptions(model=self.resolved_model(), **{name: getattr(self, name) for name in MODEL_SETTINGS})

    def pipeline_options(self) -> PipelineOptions:
        from dataclasses import replace

        from nishabdham.adapt.registry import decoding_strategy

        vad = self.vad
        model = self.model_options()
        codeswitch = self.codeswitch
        if codeswitch.strategy == "auto" and Path(model.model).is_dir():
            # an adapted or converted model says how it decodes Telugu (pivot-trained, or writes Telugu script)
            codeswitch = replace(codeswitch, strategy=decoding_strategy(model.model))
        if vad.backend == "pyannote" and not vad.pyannote_model and self.models_dir:
            from nishabdham.pipeline.speakers.pyannote_models import segmentation_dir

            vad = replace(vad, pyannote_model=str(segmentation_dir(self.models_dir)))
        return PipelineOptions(
            model=model,
            normalize=self.normalize,
            decode=replace(self.decode, language=self.language, vad=vad),
            codeswitch=replace(codeswitch, glossary_files=(*codeswitch.glossary_files, *self._user_glossary())),
            segment=SegmentOptions(rules=self.rules),
            writer=WriterOptions(formats=self.formats, speaker_names=dict(self.speaker_names)),
            second_line=self.second_line,
            diarize=self.diarize,
            library=LibraryOptions(self.library, str(self.library_index_dir())),
        )

    def library_index_dir(self) -> Path:
        """Where the search indexes of poem libraries are kept (one per library version)."""
        return Path(self.data_dir) / "library-index"

    def user_glossary_path(self) -> Path:
        """The organisation's own glossary (reviewers' additions go here)."""
        return Path(self.data_dir) / "glossary.toml"

    def _user_glossary(self) -> tuple[str, ...]:
        path = self.user_glossary_path()
        return (str(path),) if path.is_file() else ()


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Read settings from a TOML file, the environment and explicit overrides (strongest)."""
    if config_file is not None and not Path(config_file).is_file():
        raise ConfigError("settings file not found", path=config_file)
    check_environment(os.environ)
    token = _config_file.set(str(config_file) if config_file else None)
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise ConfigError(_explain(exc)) from exc
    except (OSError, ValueError) as exc:  # a TOML file that cannot be read or parsed
        raise ConfigError(f"cannot read settings: {exc}", path=config_file) from exc
    finally:
        _config_file.reset(token)


def check_environment(environ: Mapping[str, str]) -> None:
    """Every ``NISHABDHAM_`` variable names a setting: a typo is an error naming it, never ignored."""
    fields = Settings.model_fields
    for key in sorted(environ):
        if not key.upper().startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :].upper()
        if name in NOT_SETTINGS:
            continue
        top, _, rest = name.lower().partition("__")
        field = fields.get(top)
        if field is None:
            close = difflib.get_close_matches(top, list(fields), n=1)
            hint = f" (did you mean {ENV_PREFIX}{close[0].upper()}?)" if close else ""
            raise ConfigError(f"{key} is not a setting{hint}; the settings are listed in the README, 'Settings'")
        if rest and not _has_sections(field.annotation):
            raise ConfigError(f"{key}: {top} has no options of its own; set {ENV_PREFIX}{top.upper()}")


def _lists_from_text(options: type, values: dict) -> dict:
    """``values`` for the dataclass ``options`` with list options given as text turned into lists."""
    hints = typing.get_type_hints(options)
    out = dict(values)
    for key, value in values.items():
        hint = hints.get(key)
        if dataclasses.is_dataclass(hint) and isinstance(value, dict):
            out[key] = _lists_from_text(hint, value)
        elif typing.get_origin(hint) is tuple and isinstance(value, str):
            text = value.strip()
            out[key] = json.loads(text) if text.startswith("[") else [v.strip() for v in text.split(",") if v.strip()]
    return out


def _has_sections(annotation: Any) -> bool:
    return dataclasses.is_dataclass(annotation) or getattr(annotation, "__origin__", None) is dict


def _explain(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        name = "__".join(str(p) for p in error["loc"])
        where = f"{ENV_PREFIX}{name.upper()}: " if name else ""
        parts.append(where + error["msg"].removeprefix("Value error, "))
    return "invalid settings: " + "; ".join(parts)
