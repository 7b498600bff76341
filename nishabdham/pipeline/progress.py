"""The one progress contract of the project.

A stage reports ``progress(stage, fraction)`` with ``fraction`` in [0, 1] of
*that stage*. :class:`JobProgress` turns stage fractions into one overall
fraction for the whole job; the CLI adapts it to a progress bar, the worker to
``update_state`` and the job store, the review UI to ``st.progress``.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, float], None]

#: Rough share of a job's time spent in each stage (transcription dominates).
STAGE_WEIGHTS: dict[str, float] = {
    "normalize": 0.04,
    "transcribe": 0.86,
    "codeswitch": 0.05,
    "segment": 0.02,
    "write": 0.03,
}


def null_progress(stage: str, fraction: float) -> None:
    """A progress callback that ignores everything."""


class JobProgress:
    """Adapts stage-local progress to overall progress for a sink ``(stage, overall)``."""

    def __init__(self, sink: Progress, weights: dict[str, float] | None = None) -> None:
        self.sink = sink
        self.weights = weights or STAGE_WEIGHTS
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
