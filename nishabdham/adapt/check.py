"""The check before use: held-out recordings (and guard rows) scored before and after, through the pipeline.

Both models run the whole pipeline exactly as ``nishabdham transcribe`` does (the same settings,
the pivot strategy for both), and are scored with the evaluation's metrics (grapheme CER, WER,
Telugu-script share). The adapted model is refused when its held-out CER got worse, when Telugu
guard rows (other voices) lost more than ``guard_cer``, or when English guard rows went above
``guard_english_wer`` (or the base model's WER, if that is already higher).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

from nishabdham.adapt.options import AdaptOptions
from nishabdham.evaluation.evaluate import summarize
from nishabdham.evaluation.manifest import ManifestEntry
from nishabdham.evaluation.runner import transcribe_rows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figures:
    rows: int
    cer: float | None
    wer: float | None
    telugu_script_share: float | None


@dataclass(frozen=True)
class Comparison:
    """One set of rows scored with the base model and with the adapted one."""

    name: str  # "held-out", "guard: <manifest>"
    before: Figures
    after: Figures
    passed: bool
    rule: str

    def as_dict(self) -> dict:
        return asdict(self)


def score(entries: Sequence[ManifestEntry], pipeline) -> Figures:
    rows, _ = transcribe_rows(entries, pipeline)
    scores = summarize(rows)
    return Figures(rows=scores.n, cer=scores.cer, wer=scores.wer, telugu_script_share=scores.telugu_script_share)


def pivot_pipeline(pipeline_options, model_dir: str, pipeline_factory: Callable | None = None):
    """A pipeline on ``model_dir`` that decodes Telugu with the pivot, as the adapted model was taught."""
    if pipeline_factory is None:
        from nishabdham.pipeline.runner import Pipeline as pipeline_factory
    options = replace(
        pipeline_options,
        model=replace(pipeline_options.model, model=model_dir),
        codeswitch=replace(pipeline_options.codeswitch, strategy="pivot"),
    )
    return pipeline_factory(options)


def held_out_rule(before: Figures, after: Figures, options: AdaptOptions) -> tuple[bool, str]:
    if before.cer is None or after.cer is None:
        return True, "nothing held out to score"
    limit = before.cer + options.max_worse
    return after.cer <= limit + 1e-9, f"held-out CER must not exceed {limit:.4f}"


def guard_rule(english: bool, before: Figures, after: Figures, options: AdaptOptions) -> tuple[bool, str]:
    if english:
        if before.wer is None or after.wer is None:
            return True, "no English to score"
        limit = max(options.guard_english_wer, before.wer)
        return after.wer <= limit + 1e-9, f"English WER must stay at or below {limit:.4f}"
    if before.cer is None or after.cer is None:
        return True, "nothing to score"
    limit = before.cer + options.guard_cer
    return after.cer <= limit + 1e-9, f"CER of other voices must not exceed {limit:.4f}"


def compare(
    name: str, entries: Sequence[ManifestEntry], base, adapted, rule: Callable[[Figures, Figures], tuple[bool, str]]
) -> Comparison:
    """Score ``entries`` with both pipelines and apply ``rule``."""
    before = score(entries, base)
    after = score(entries, adapted)
    passed, text = rule(before, after)
    log.info("%s: CER %s -> %s (%s)", name, before.cer, after.cer, "passed" if passed else "FAILED")
    return Comparison(name, before, after, passed, text)


def refusal(comparisons: Sequence[Comparison]) -> str | None:
    """Why the adapted model is refused (None when every check passed)."""
    failed = [c for c in comparisons if not c.passed]
    if not failed:
        return None
    parts = [
        f"{c.name}: CER {_f(c.before.cer)} -> {_f(c.after.cer)}, WER {_f(c.before.wer)} -> {_f(c.after.wer)} ({c.rule})"
        for c in failed
    ]
    return "the adapted model got worse, so it was not installed: " + "; ".join(parts)


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
