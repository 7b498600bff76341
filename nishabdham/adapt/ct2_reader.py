"""Read CTranslate2's ``model.bin`` back into NumPy arrays (no reverse converter exists upstream).

The layout is the one ``ctranslate2/specs/model_spec.py`` (``_serialize``) writes: a uint32 format
version; the spec name (uint16 length with the NUL, bytes); a uint32 spec revision; a uint32 variable
count, then per variable its name (uint16 length + bytes), uint8 rank, rank x uint32 dims, uint8 dtype,
uint32 byte count and the raw bytes; then an alias count and (alias, target) name pairs. int8 weights
come with a ``<name>_scale`` variable (one float per output row): the float weight is ``int8 / scale``.
Pure NumPy: this module needs neither torch nor ctranslate2.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nishabdham.errors import ModelError

#: CTranslate2's dtype codes (``DataType`` in its C++ sources).
_DTYPES: dict[int, np.dtype | None] = {
    0: np.dtype("<f4"),
    1: np.dtype("i1"),
    2: np.dtype("<i2"),
    3: np.dtype("<i4"),
    4: np.dtype("<f2"),
    5: None,  # bfloat16: read as uint16, widened below
}
_BF16 = 5


@dataclass(frozen=True)
class Ct2Model:
    """The variables of one ``model.bin``, aliases resolved, in their stored dtypes."""

    spec: str
    revision: int
    version: int
    variables: dict[str, np.ndarray] = field(repr=False)
    aliases: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> np.ndarray:
        """The variable ``name`` (following an alias), as stored."""
        name = self.aliases.get(name, name)
        if name not in self.variables:
            raise KeyError(name)
        return self.variables[name]

    def has(self, name: str) -> bool:
        return self.aliases.get(name, name) in self.variables

    def weight(self, name: str) -> np.ndarray:
        """The float32 value of ``name``; int8 and int16 weights are dequantised with ``name + "_scale"``."""
        name = self.aliases.get(name, name)
        value = self.get(name)
        if value.dtype.kind == "f":
            return value.astype(np.float32)
        scale_name = name + "_scale"
        if not self.has(scale_name):
            return value.astype(np.float32)
        scale = self.get(scale_name).astype(np.float32)
        if scale.ndim == 0 or scale.size == 1:
            return value.astype(np.float32) / float(scale.reshape(-1)[0])
        return value.astype(np.float32) / scale.reshape((-1,) + (1,) * (value.ndim - 1))


def read_model_bin(path: str | Path) -> Ct2Model:
    """Read ``path`` (a CTranslate2 ``model.bin``); a damaged or foreign file is a ModelError naming it."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return _read(handle)
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"is not a readable CTranslate2 model.bin ({exc})", path=path) from exc


def _read(handle: BinaryIO) -> Ct2Model:
    version = _u32(handle)
    if version < 3:
        raise ValueError(f"format version {version} is older than this reader understands (3+)")
    spec = _string(handle)
    revision = _u32(handle)
    variables: dict[str, np.ndarray] = {}
    for _ in range(_u32(handle)):
        name = _string(handle)
        rank = _u8(handle)
        shape = tuple(_u32(handle) for _ in range(rank))
        code = _u8(handle)
        nbytes = _u32(handle)
        raw = handle.read(nbytes)
        if len(raw) != nbytes:
            raise ValueError(f"variable {name} is cut short")
        variables[name] = _array(raw, code, shape)
    aliases = {}
    tail = handle.read(4)
    if len(tail) == 4:
        for _ in range(struct.unpack("<I", tail)[0]):
            alias = _string(handle)
            aliases[alias] = _string(handle)
    return Ct2Model(spec=spec, revision=revision, version=version, variables=variables, aliases=aliases)


def _array(raw: bytes, code: int, shape: tuple[int, ...]) -> np.ndarray:
    if code not in _DTYPES:
        raise ValueError(f"unknown dtype code {code}")
    if code == _BF16:
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32).reshape(shape)
    return np.frombuffer(raw, dtype=_DTYPES[code]).reshape(shape).copy()


def _u8(handle: BinaryIO) -> int:
    return struct.unpack("<B", handle.read(1))[0]


def _u32(handle: BinaryIO) -> int:
    return struct.unpack("<I", handle.read(4))[0]


def _string(handle: BinaryIO) -> str:
    length = struct.unpack("<H", handle.read(2))[0]
    return handle.read(length).rstrip(b"\0").decode("utf-8")
