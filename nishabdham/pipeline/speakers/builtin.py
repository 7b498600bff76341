"""The built-in offline diarization pipeline: pyannote's ``SpeakerDiarization``, segmentation-3.0, CAM++.

pyannote.audio's own machinery does the work: segmentation-3.0 finds up to three local
speakers (and their overlaps) in each 10 s chunk, an embedding is computed for every
(chunk, local speaker), pyannote's agglomerative clustering groups them into speakers, and
the chunks are stitched back (overlap-aware) into speaker turns. The one piece that is not
pyannote's is the speaker-embedding model: :class:`CamPlusPlusEmbedding` wraps CAM++
(:mod:`.campplus`) as a pyannote ``Model``, so ``SpeakerDiarization`` uses it like one of its
own. Given a chunk and a speaker's frame mask, it embeds only the samples where that
speaker talks (as pyannote does for SpeechBrain models), from 80-dim Kaldi fbank.

Nothing is downloaded: both checkpoints come from ``nishabdham setup --diarization``.
This module imports pyannote.audio and torch at import time; :mod:`nishabdham.pipeline.speakers.diarize`
imports it only when ``--diarize`` (``builtin``) asks for it.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from pyannote.audio import Model
from pyannote.audio.core.plda import PLDA
from pyannote.audio.pipelines import SpeakerDiarization

from nishabdham.pipeline.speakers.campplus import EMBEDDING_DIM, SAMPLE_RATE, fbank, load_campplus, locate_campplus
from nishabdham.pipeline.speakers.pyannote_models import locate_segmentation

log = logging.getLogger(__name__)

MIN_SPEECH_S = 0.5
"""A local speaker with less speech than this in a chunk gets no embedding (NaN), as pyannote does for too-short speech."""
SEGMENTATION_STEP = 0.5
"""Chunk step as a share of the 10 s chunk (pyannote's default is 0.1); chosen on the EVENING test recording
(tests/diarization_recording.py) for cost: 0.5 embeds about 2x the audio, 0.1 about 10x."""
PARAMS = {
    "segmentation": {"min_duration_off": 0.0},
    "clustering": {"method": "centroid", "min_cluster_size": 2, "threshold": 0.9},
}
"""Clustering of L2-normalised CAM++ embeddings: merge while the centroids are closer than 0.9
(Euclidean on the unit sphere, cosine similarity 0.6); see README "Speakers, music and applause"
for what it was chosen on."""


class CamPlusPlusEmbedding(Model):
    """CAM++ as a pyannote speaker-embedding ``Model``: ``forward(waveforms, weights)`` -> ``(batch, 192)``."""

    def __init__(self, checkpoint: str, sample_rate: int = SAMPLE_RATE, num_channels: int = 1, task=None) -> None:
        super().__init__(sample_rate=sample_rate, num_channels=num_channels, task=task)
        self.campplus = load_campplus(checkpoint)

    @property
    def dimension(self) -> int:
        return EMBEDDING_DIM

    def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        """Embed each ``(1, samples)`` waveform, only where its frame ``weights`` are on (> 0.5)."""
        num_samples = waveforms.shape[-1]
        if weights is None and num_samples < MIN_SPEECH_S * SAMPLE_RATE:
            raise ValueError(f"CAM++ needs at least {MIN_SPEECH_S} s of audio, got {num_samples} samples")
        out = []
        for i in range(waveforms.shape[0]):
            signal = waveforms[i, 0]
            if weights is not None:
                mask = F.interpolate(weights[i][None, None].float(), size=num_samples, mode="nearest")[0, 0] > 0.5
                signal = signal[mask]
            if signal.shape[0] < MIN_SPEECH_S * SAMPLE_RATE:
                out.append(torch.full((EMBEDDING_DIM,), float("nan")))
                continue
            out.append(self.campplus(fbank(signal)[None])[0])
        return torch.stack(out)


class BuiltinDiarization(SpeakerDiarization):
    """pyannote's SpeakerDiarization with segmentation-3.0, CAM++ embeddings and agglomerative clustering."""

    def __init__(self, segmentation: str, campplus: str, segmentation_step: float = SEGMENTATION_STEP) -> None:
        super().__init__(
            segmentation=segmentation,
            segmentation_step=segmentation_step,
            embedding=CamPlusPlusEmbedding(campplus),
            embedding_exclude_overlap=True,
            plda=PLDA.__new__(PLDA),  # a placeholder: agglomerative clustering uses no PLDA
            clustering="AgglomerativeClustering",
            embedding_batch_size=8,
        )


@lru_cache(maxsize=2)
def builtin_pipeline(models_dir: str = "", segmentation_step: float = SEGMENTATION_STEP) -> BuiltinDiarization:
    """The built-in pipeline, instantiated with :data:`PARAMS`, from the installed checkpoints."""
    segmentation = locate_segmentation("", models_dir) / "pytorch_model.bin"
    campplus = locate_campplus(models_dir)
    pipeline = BuiltinDiarization(str(segmentation), str(campplus), segmentation_step)
    pipeline.instantiate(PARAMS)
    log.info("built-in diarization pipeline: %s + %s", Path(segmentation).parent.name, campplus.parent.name)
    return pipeline


def embed_clip(samples: np.ndarray, models_dir: str = "") -> np.ndarray:
    """One CAM++ embedding of a whole 16 kHz clip (for checks and tuning), L2-normalised."""
    from nishabdham.pipeline.speakers.campplus import embed

    vector = embed(load_campplus(str(locate_campplus(models_dir))), samples)
    return vector / np.linalg.norm(vector)
