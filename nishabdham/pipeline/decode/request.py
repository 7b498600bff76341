"""How one window is to be decoded: the request the code-switch stage's planner and re-decodes make.

Plain data, shared by the transcriber (which carries requests out) and the code-switch stage
(which makes them): the stage never imports the transcriber itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nishabdham.pipeline.vad import Window


@dataclass(frozen=True, slots=True)
class DecodeRequest:
    """How to decode one window: the language token, prompt and hotwords."""

    language: str | None
    initial_prompt: str = ""
    hotwords: str = ""
    task: str = "transcribe"
    strategy: str = "native"
    multilingual: bool = False
    suppress_tokens: tuple[int, ...] = (-1,)
    temperatures: tuple[float, ...] | None = None
    """Override the options' fallback schedule (re-decodes use 0.0 only)."""
    beam_size: int | None = None
    """Override the options' beam width (re-decodes search greedily)."""
    hypotheses: int = 1
    """Beam hypotheses to keep per decode for rescoring (1: the best only; see pipeline.decode.hypotheses)."""
    safeguards: bool = True
    """Whisper's no-speech, log-probability and silence-skipping cut-offs (off for a rescue: they are what
    left the speech without words in the first place)."""
    tokens_per_second: float | None = None
    """Stop after this many tokens per second of audio (re-decodes: a loop cannot run to 448 tokens).
    Romanized Telugu measured at 5.5 tokens/s (median) and 7.4 at most on the dev recordings."""


#: Decides how each window is decoded, given the recording's language.
Planner = Callable[[Window, str], DecodeRequest]
