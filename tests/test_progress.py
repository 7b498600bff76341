"""One progress contract: every step a job runs moves the bar, and the bar ends at 1."""

from __future__ import annotations

import pytest

from nishabdham.pipeline.progress import JobProgress, step_weights


def _run(weights, steps):
    seen: list[tuple[str, float]] = []
    progress = JobProgress(lambda stage, overall: seen.append((stage, overall)), weights)
    for step in steps:
        progress(step, 0.5)
        progress(step, 1.0)
    return seen


@pytest.mark.parametrize(
    ("speakers", "translate"), [(False, False), (True, False), (False, True), (True, True)], ids=str
)
def test_every_step_that_runs_moves_the_bar_and_it_ends_at_one(speakers, translate):
    weights = step_weights(speakers=speakers, translate=translate)
    assert ("speakers" in weights) == speakers and ("translate" in weights) == translate
    seen = _run(weights, list(weights))
    values = [overall for _, overall in seen]
    assert values == sorted(values) and len(set(values)) == len(values)  # each report moves it forward
    assert values[-1] == pytest.approx(1.0)


def test_a_step_that_does_not_run_does_not_move_the_bar():
    weights = step_weights()
    seen = _run(weights, ["normalize", "translate", "speakers"])
    assert seen[-1][1] == seen[1][1]  # after normalize, the steps left out changed nothing


def test_the_long_optional_steps_get_a_real_share():
    """Speakers (pyannote) and translation (a second decode) take minutes: the bar must not stall there."""
    weights = step_weights(speakers=True, translate=True)
    total = sum(weights.values())
    assert weights["speakers"] / total > 0.15 and weights["translate"] / total > 0.15
