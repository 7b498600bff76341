"""Where the speech is: Silero (default) or pyannote VAD regions, grouped into decode windows.

Whisper decodes 30-second windows. Instead of handing it the whole recording
(faster-whisper's sequential mode computes features for all of it at once, and
lets a music intro decide the language), the pipeline finds speech with Silero
VAD and packs the speech regions back to back, with a short silent spacer
between them, into windows of up to 30 s that are decoded one at a time:
every encoder pass is full of speech (the cost grows with speech, not with the
recording), memory stays bounded on long recordings, every window gets the
same decoding prompt, progress is exact, and a long stretch without speech
(music, applause, silence) never reaches the model. Word times are mapped back
to the recording (:meth:`Window.to_original`), so real pauses stay visible.

``backend="pyannote"`` (the ``diarization`` extra) finds speech with pyannote's
segmentation-3.0 instead (:mod:`nishabdham.pipeline.vad.pyannote`); the regions have the same
form, so nothing after this stage changes.
"""

from __future__ import annotations

import numpy as np

from nishabdham.pipeline.vad.regions import SpeechRegion, VadOptions, Window, plan_windows, speech_ms, uncovered

__all__ = ["SpeechRegion", "VadOptions", "Window", "plan_windows", "speech_ms", "speech_regions", "uncovered"]


def speech_regions(samples: np.ndarray, sample_rate: int, options: VadOptions = VadOptions()) -> list[SpeechRegion]:
    """Speech regions found by the backend the options name: Silero (default) or pyannote."""
    if len(samples) < sample_rate // 10:
        return []
    if options.backend == "pyannote":
        from nishabdham.pipeline.vad import pyannote

        return pyannote.speech_regions(samples, sample_rate, options)
    from nishabdham.pipeline.vad import silero

    return silero.speech_regions(samples, sample_rate, options)
