"""Fine-tuning a ``transformers`` Whisper on the training examples, on CPU, within a time limit."""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from nishabdham.adapt.convert import require_adapt
from nishabdham.adapt.data import Example
from nishabdham.adapt.options import AdaptOptions
from nishabdham.adapt.targets import IGNORE
from nishabdham.pipeline.progress import Progress, null_progress

log = logging.getLogger(__name__)

#: The progress stage name of training.
STAGE = "train"


@dataclass(frozen=True)
class TrainingReport:
    """What the training did."""

    steps: int
    epochs_done: float
    seconds: float
    first_loss: float | None
    last_loss: float | None
    stopped_by: str  # "epochs", "steps" or "time"


def planned_steps(rows: int, options: AdaptOptions) -> int:
    steps = math.ceil(rows / max(1, options.batch_size)) * max(1, options.epochs)
    return min(steps, options.max_steps) if options.max_steps else steps


def train(model, data: Sequence[Example], options: AdaptOptions, progress: Progress = null_progress) -> TrainingReport:
    """Train ``model`` in place on ``data``; stops at the epochs, ``max_steps`` or ``max_minutes``."""
    torch, _ = require_adapt()
    torch.set_num_threads(options.threads or _cores())
    torch.manual_seed(options.seed)
    order = random.Random(options.seed)
    _freeze(model, options)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=options.learning_rate, weight_decay=options.weight_decay)
    total = planned_steps(len(data), options)
    deadline = time.monotonic() + options.max_minutes * 60
    started, step, losses, stopped = time.monotonic(), 0, [], "epochs"
    model.train()
    for _epoch in range(options.epochs):
        rows = list(data)
        order.shuffle(rows)
        for batch in _batches(rows, options.batch_size):
            _set_lr(optimiser, options, step)
            loss = _step(model, batch, optimiser, torch)
            losses.append(loss)
            step += 1
            progress(STAGE, min(1.0, step / total))
            log.info("step %d/%d: loss %.3f", step, total, loss)
            if options.max_steps and step >= options.max_steps:
                stopped = "steps"
            elif time.monotonic() > deadline:
                stopped = "time"
            if stopped != "epochs":
                break
        if stopped != "epochs":
            break
    model.eval()
    progress(STAGE, 1.0)
    batches_per_epoch = max(1, math.ceil(len(data) / max(1, options.batch_size)))
    return TrainingReport(
        steps=step,
        epochs_done=round(step / batches_per_epoch, 2),
        seconds=round(time.monotonic() - started, 1),
        first_loss=round(losses[0], 4) if losses else None,
        last_loss=round(losses[-1], 4) if losses else None,
        stopped_by=stopped,
    )


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _freeze(model, options: AdaptOptions) -> None:
    for param in model.model.encoder.parameters():
        param.requires_grad = options.train_encoder
    model.model.encoder.embed_positions.weight.requires_grad = False  # fixed sinusoids


def _set_lr(optimiser, options: AdaptOptions, step: int) -> None:
    warm = options.warmup_steps
    lr = options.learning_rate * (min(1.0, (step + 1) / warm) if warm else 1.0)
    for group in optimiser.param_groups:
        group["lr"] = lr


def _batches(rows: list[Example], size: int):
    for start in range(0, len(rows), max(1, size)):
        yield rows[start : start + size]


def _step(model, batch: Sequence[Example], optimiser, torch) -> float:
    features, tokens, labels = collate(batch, torch)
    logits = model(input_features=features, decoder_input_ids=tokens).logits
    loss = torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=IGNORE
    )
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
    optimiser.step()
    return float(loss.detach())


def collate(batch: Sequence[Example], torch):
    """Features, decoder inputs (right-padded with end-of-text) and labels (padded with IGNORE)."""
    import numpy as np

    width = max(len(e.tokens) for e in batch)
    pad = batch[0].labels[-1]  # every sequence ends with end-of-text
    tokens = [e.tokens + [pad] * (width - len(e.tokens)) for e in batch]
    labels = [e.labels + [IGNORE] * (width - len(e.labels)) for e in batch]
    features = torch.from_numpy(np.stack([e.features for e in batch]))
    return features, torch.tensor(tokens), torch.tensor(labels)
