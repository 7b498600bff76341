"""Installed adapted models: where they live, their model cards, and resolving ``--model NAME``.

An adapted model is a CTranslate2 directory ``<data_dir>/models/<NAME>/`` with ``card.json``
(the model card) and ``README.md`` (the same card, short, for people). A Hugging Face
``transformers`` Whisper directory given as ``--model`` is converted once into
``<data_dir>/models/converted/<hash>/`` and used from there. This module needs neither torch
nor transformers, except to convert.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nishabdham.errors import InputError, ModelError
from nishabdham.files import atomic_write_text

log = logging.getLogger(__name__)

MODELS_DIRNAME = "models"
CONVERTED_DIRNAME = "converted"
CARD = "card.json"
CARD_MD = "README.md"
#: A file a model directory may carry that says how the pipeline should decode with it.
DECODING = "nishabdham.json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_RESERVED = {"bundled", CONVERTED_DIRNAME}


@dataclass(frozen=True)
class InstalledModel:
    name: str
    path: Path
    card: dict


def models_root(data_dir: str | Path) -> Path:
    return Path(data_dir) / MODELS_DIRNAME


def check_name(name: str) -> str:
    """``name`` if it can name an adapted model, else an InputError that says why."""
    if not _NAME.match(name or ""):
        raise InputError(
            f"model name {name!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    if name.lower() in _RESERVED:
        raise InputError(f"model name {name!r} is reserved; choose another")
    try:
        from faster_whisper.utils import available_models

        if name in available_models():
            raise InputError(f"model name {name!r} is a Whisper model's name; choose another")
    except ImportError:  # pragma: no cover - faster-whisper is a core dependency
        pass
    return name


def installed(data_dir: str | Path) -> list[InstalledModel]:
    """The adapted models installed under ``data_dir``, by name (a damaged card is logged and skipped)."""
    root = models_root(data_dir)
    found = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if folder.name == CONVERTED_DIRNAME or not (folder / "model.bin").is_file():
            continue
        try:
            card = read_card(folder)
        except ModelError as exc:
            log.warning("%s", exc)
            continue
        found.append(InstalledModel(folder.name, folder, card))
    return found


def read_card(folder: str | Path) -> dict:
    path = Path(folder) / CARD
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"model card cannot be read ({exc})", path=path) from exc


def decoding_strategy(model_dir: str | Path) -> str:
    """``pivot`` or ``native`` when the model directory says how it decodes Telugu, else ``auto``."""
    path = Path(model_dir) / DECODING
    if not path.is_file():
        return "auto"
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("strategy", "auto")
    except (OSError, ValueError, AttributeError):
        log.warning("%s cannot be read; decoding strategy left to the model's name", path)
        return "auto"
    return value if value in ("pivot", "native") else "auto"


def write_decoding(model_dir: str | Path, strategy: str, why: str) -> None:
    atomic_write_text(Path(model_dir) / DECODING, json.dumps({"strategy": strategy, "why": why}, indent=2) + "\n")


def resolve(value: str, data_dir: str | Path) -> str:
    """What ``--model value`` means: an installed adapted model's folder, a converted Hugging Face
    checkpoint's folder, or ``value`` unchanged (bundled, a faster-whisper name, a CTranslate2 folder)."""
    value = (value or "").strip()
    if _NAME.match(value) and (models_root(data_dir) / value / "model.bin").is_file():
        return str(models_root(data_dir) / value)
    path = Path(value).expanduser()
    if path.is_dir() and is_transformers_whisper(path):
        return str(converted(path, data_dir))
    return value


def is_transformers_whisper(folder: Path) -> bool:
    """A ``transformers`` Whisper checkpoint (config.json of model_type whisper, weights, no model.bin)."""
    if (folder / "model.bin").is_file() or not (folder / "config.json").is_file():
        return False
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    weights = any(folder.glob("*.safetensors")) or any(folder.glob("pytorch_model*.bin"))
    return isinstance(config, dict) and config.get("model_type") == "whisper" and weights


def checkpoint_hash(folder: Path) -> str:
    """A hash of the checkpoint's files (names, sizes and contents), so a changed checkpoint converts again."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    stats = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return _hash_files(folder, stats)


@lru_cache(maxsize=16)
def _hash_files(folder: Path, stats: tuple) -> str:
    """The hash of the files in ``stats`` (cached while none of them changes)."""
    digest = hashlib.sha256()
    for name, _size, _mtime in stats:
        path = Path(name)
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 22), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def converted(folder: Path, data_dir: str | Path) -> Path:
    """The CTranslate2 conversion of a ``transformers`` Whisper checkpoint, made once (cached by hash)."""
    target = models_root(data_dir) / CONVERTED_DIRNAME / checkpoint_hash(folder)
    if (target / "model.bin").is_file():
        return target
    from nishabdham.adapt.native import convert_checkpoint

    try:
        convert_checkpoint(folder, target)
    except Exception:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target
