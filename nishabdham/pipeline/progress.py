"""The one progress contract of the project.

A stage reports ``progress(stage, fraction)`` with ``fraction`` in [0, 1] of
*that stage*. :class:`JobProgress` turns stage fractions into one overall
fraction for the whole job; the CLI adapts it to a progress bar, the worker to
``update_state`` and the job store, the review UI to ``st.progress``.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, float], None]

#: Share of a job's time spent in each step, from the stage timings in the JSON of the
#: 60-minute bench recording (transcription 272 s, code-switch checks and re-decodes 47 s) and
#: the 5-minute one with ``--vad pyannote --diarize`` and ``--second-line translation``.
#: Steps that do not run (no speakers, no translation) are left out, so the bar never stalls.
STEP_WEIGHTS: dict[str, float] = {
    "normalize": 0.03,
    "transcribe": 0.78,
    "codeswitch": 0.14,
    "segment": 0.01,
    "speakers": 0.60,
    "translate": 0.55,
    "write": 0.01,
}
#: The steps every job runs; ``speakers`` and ``translate`` only when asked for.
CORE_STEPS = ("normalize", "transcribe", "codeswitch", "segment", "write")


def step_weights(*, speakers: bool = False, translate: bool = False) -> dict[str, float]:
    """The weights of the steps this job will run, in the order they run."""
    steps = [*CORE_STEPS[:4], *(["speakers"] if speakers else []), *(["translate"] if translate else []), "write"]
    return {step: STEP_WEIGHTS[step] for step in steps}


def null_progress(stage: str, fraction: float) -> None:
    """A progress callback that ignores everything."""


class JobProgress:
    """Adapts stage-local progress to overall progress for a sink ``(stage, overall)``."""

    def __init__(self, sink: Progress, weights: dict[str, float] | None = None) -> None:
        self.sink = sink
        self.weights = weights or step_weights()
        total = sum(self.weights.values())
        self._start: dict[str, float] = {}
        acc = 0.0
        for stage, weight in self.weights.items():
            self._start[stage] = acc / total
            acc += weight
        self._total = total
        self.overall = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        fraction = min(1.0, max(0.0, fraction))
        if stage in self.weights:
            value = self._start[stage] + fraction * self.weights[stage] / self._total
            self.overall = max(self.overall, value)
        self.sink(stage, self.overall)
