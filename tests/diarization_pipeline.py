"""A small speaker-diarization pipeline that the tests build, through pyannote's own interface.

It stands for a user's own pipeline directory (``--diarize DIR``), and is the baseline the
built-in pipeline (segmentation-3.0 + CAM++) is compared with: pyannote.audio's real
``SpeakerDiarization`` pipeline class, with the real segmentation-3.0 checkpoint, and, in
place of a trained speaker-embedding network, :class:`MfccStatistics`, a pyannote ``Model`` whose
"embedding" is the mean and spread of a chunk's MFCCs (a crude voice fingerprint, enough
to tell the two dev speakers apart, nothing like a trained embedding). Clustering is
pyannote's agglomerative clustering. :func:`write_pipeline_dir` saves it as a local
pipeline directory (``config.yaml``) that ``Pipeline.from_pretrained`` — and so
``nishabdham transcribe --diarize DIR`` — loads like any published pipeline.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
import yaml
from pyannote.audio import Model
from pyannote.audio.core.plda import PLDA
from pyannote.audio.pipelines import SpeakerDiarization

N_MFCC = 20


class MfccStatistics(Model):
    """Weighted mean and standard deviation of MFCCs 1..19 (c0, loudness, left out)."""

    def __init__(self, sample_rate: int = 16000, num_channels: int = 1, task=None) -> None:
        super().__init__(sample_rate=sample_rate, num_channels=num_channels, task=task)
        import torchaudio

        self.mfcc = torchaudio.transforms.MFCC(
            sample_rate=sample_rate, n_mfcc=N_MFCC, melkwargs={"n_fft": 400, "hop_length": 160, "n_mels": 40}
        )

    @property
    def dimension(self) -> int:
        return 2 * (N_MFCC - 1)

    def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        features = self.mfcc(waveforms[:, 0])[:, 1:, :]
        frames = features.shape[-1]
        if weights is None:
            w = torch.ones(features.shape[0], frames)
        else:
            w = F.interpolate(weights[:, None].float(), size=frames, mode="nearest")[:, 0]
        w = w / w.sum(dim=-1, keepdim=True).clamp_min(1e-6)
        mean = (features * w[:, None]).sum(dim=-1)
        std = (((features - mean[..., None]) ** 2) * w[:, None]).sum(dim=-1).clamp_min(1e-6).sqrt()
        return torch.cat([mean, std], dim=1)


class SmallDiarization(SpeakerDiarization):
    """pyannote's SpeakerDiarization with segmentation-3.0 and the MFCC statistics above."""

    def __init__(self, segmentation: str, token=None, cache_dir=None) -> None:
        super().__init__(
            segmentation=segmentation,
            segmentation_step=0.5,
            embedding=MfccStatistics(),
            plda=PLDA.__new__(PLDA),  # a placeholder: agglomerative clustering uses no PLDA
            clustering="AgglomerativeClustering",
            token=token,
            cache_dir=cache_dir,
        )


PARAMS = {
    "segmentation": {"min_duration_off": 0.0},
    "clustering": {"method": "centroid", "min_cluster_size": 3, "threshold": 0.1},
}


def write_pipeline_dir(folder: Path, segmentation_checkpoint: Path) -> Path:
    """A local pipeline directory (``config.yaml``) loading :class:`SmallDiarization`."""
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "pipeline": {
            "name": f"{__name__}.SmallDiarization",
            "params": {"segmentation": str(segmentation_checkpoint)},
        },
        "params": PARAMS,
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder
