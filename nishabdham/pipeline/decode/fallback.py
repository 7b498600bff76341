"""A temperature fallback that gives the same decode every run: beam search with penalties.

When a window's first decode fails Whisper's checks (a repetition loop, a low mean log
probability), faster-whisper decodes it again at each temperature of the schedule, by
*sampling*. CTranslate2 draws those samples from one random generator per worker thread,
seeded once when the thread first samples (``ctranslate2.set_random_seed`` reaches only
threads that have not sampled yet), so which draws a window gets depends on every window
that thread sampled before it: a seed cannot be fixed per window, and two runs differ.

With ``DecodeOptions.fallback = "beam"`` each fallback step is a beam search instead,
pushed harder away from loops the hotter its temperature (:data:`STEPS`): a repetition
penalty and a ban on repeating long token n-grams (long, because Telugu letters are several
byte-level tokens each, and short n-grams recur in ordinary Telugu words). faster-whisper's
own choice among the steps (the first to pass, else the likeliest without a loop) is kept.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

#: The fallback modes of ``DecodeOptions.fallback``.
MODES = ("sample", "beam")


@dataclass(frozen=True, slots=True)
class Step:
    """How one fallback step decodes, in place of sampling at its temperature."""

    repetition_penalty: float
    no_repeat_ngram_size: int
    beam_size: int = 5


#: Fallback steps by temperature (the schedule's hotter steps use the last one).
STEPS: tuple[tuple[float, Step], ...] = (
    (0.2, Step(repetition_penalty=1.1, no_repeat_ngram_size=0)),
    (0.4, Step(repetition_penalty=1.1, no_repeat_ngram_size=12)),
    (0.6, Step(repetition_penalty=1.2, no_repeat_ngram_size=8)),
    (0.8, Step(repetition_penalty=1.3, no_repeat_ngram_size=8, beam_size=2)),
    (1.0, Step(repetition_penalty=1.5, no_repeat_ngram_size=6, beam_size=1)),
)


def step_for(temperature: float) -> Step:
    """The deterministic step that stands in for sampling at ``temperature``."""
    for bound, step in STEPS:
        if temperature <= bound + 1e-9:
            return step
    return STEPS[-1][1]


class _Mode(threading.local):
    def __init__(self) -> None:
        self.beam = False


_MODE = _Mode()
_INSTALL = threading.Lock()


class DeterministicFallback:
    """CTranslate2's Whisper, with sampled fallback steps replaced by beam searches when asked."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def generate(self, features, prompts, **kwargs):
        temperature = kwargs.get("sampling_temperature")
        if _MODE.beam and temperature is not None:
            kwargs = beam_kwargs(kwargs, step_for(float(temperature)))
        return self._inner.generate(features, prompts, **kwargs)


def beam_kwargs(kwargs: dict, step: Step) -> dict:
    """``generate``'s arguments for a sampling step, turned into ``step``'s beam search."""
    out = {k: v for k, v in kwargs.items() if k not in ("sampling_temperature", "sampling_topk")}
    out["beam_size"] = step.beam_size
    out["num_hypotheses"] = 1
    out["repetition_penalty"] = max(step.repetition_penalty, float(kwargs.get("repetition_penalty", 1.0)))
    out["no_repeat_ngram_size"] = step.no_repeat_ngram_size or int(kwargs.get("no_repeat_ngram_size", 0))
    return out


def install(whisper) -> None:
    """Put the fallback switch right in front of a faster-whisper model's CTranslate2 decoder, under
    any other wrapper (:mod:`nishabdham.pipeline.decode.hypotheses`); once per model."""
    with _INSTALL:
        holder, attribute, model = whisper, "model", whisper.model
        while not isinstance(model, DeterministicFallback):
            inner = getattr(model, "__dict__", {}).get("_inner")
            if inner is None:
                setattr(holder, attribute, DeterministicFallback(model))
                return
            holder, attribute, model = model, "_inner", inner


@contextmanager
def mode(name: str) -> Iterator[None]:
    """Within this block, this thread's fallback steps decode as ``name`` says (``sample``/``beam``)."""
    if name not in MODES:
        raise ValueError(f"unknown fallback {name!r}: expected one of {', '.join(MODES)}")
    before, _MODE.beam = _MODE.beam, name == "beam"
    try:
        yield
    finally:
        _MODE.beam = before
