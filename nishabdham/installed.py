"""Where installed model files live, and the one integrity check for them.

Every stage that reads files installed by ``nishabdham setup`` (the bundled Whisper, the Telugu
word list, segmentation-3.0, CAM++) finds them here and checks them with :func:`verify_files`.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from nishabdham.errors import ModelIntegrityError


def default_models_dir() -> Path:
    """``<sys.prefix>/share/nishabdham/models``: the model belongs to the installation."""
    return Path(sys.prefix) / "share" / "nishabdham" / "models"


def verify_files(directory: str | Path, files: dict[str, tuple[int, str]], setup: str) -> None:
    """Raise ModelIntegrityError unless ``directory`` holds ``files`` (name -> size, sha256), byte for byte.

    ``setup`` is the command that installs them, named in the error.
    """
    directory = Path(directory)
    for name, (size, sha256) in files.items():
        path = directory / name
        if not path.is_file():
            raise ModelIntegrityError(f"{name} is missing; run `{setup}` (or `make setup`)", path=directory)
        actual = path.stat().st_size
        if actual != size:
            raise ModelIntegrityError(
                f"{name} has {actual} bytes, expected {size}; run `{setup} --force`", path=directory
            )
        digest = sha256_file(path)
        if digest != sha256:
            raise ModelIntegrityError(
                f"{name} has sha256 {digest}, expected {sha256}; the file is damaged: run `{setup} --force`",
                path=directory,
            )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()
