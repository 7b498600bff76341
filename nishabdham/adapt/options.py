"""The options of adapting Whisper to a reader (``nishabdham adapt``), in one place."""

from __future__ import annotations

from dataclasses import dataclass

#: The recipe's name in model cards; the numbers are the options below.
RECIPE = "full fine-tune (encoder and decoder), pivot targets with the pivot prompt, <|en|>, timestamp tokens"


@dataclass(frozen=True, slots=True)
class AdaptOptions:
    """How a model is adapted, checked and installed."""

    epochs: int = 5
    """Passes over the training rows (the issue's measurement: still improving at 5)."""
    learning_rate: float = 2e-5
    """AdamW learning rate after warm-up (full fine-tune; 5e-5 on the decoder alone learned nothing)."""
    batch_size: int = 8
    """Rows per optimiser step."""
    warmup_steps: int = 2
    """Steps of linear learning-rate warm-up."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    train_encoder: bool = True
    """Train the encoder too (the voice is learned there); off: the decoder alone."""
    max_minutes: float = 30.0
    """Training stops after this many minutes (the check and the install come on top)."""
    max_steps: int = 0
    """Stop after this many optimiser steps (0: no limit besides epochs and time)."""
    holdout_share: float = 0.2
    """Share of the recordings held out for the before/after check (at least one when there are two or more)."""
    max_worse: float = 0.0
    """The adapted model is refused when its held-out CER exceeds the bundled model's by more than this."""
    guard_cer: float = 0.02
    """Guard rows in Telugu (other voices) may get at most this much worse in CER."""
    guard_english_wer: float = 0.05
    """Guard rows in English must keep WER at or below this (or the base model's, if that is higher)."""
    quantization: str = "int8"
    """CTranslate2 quantization of the installed model."""
    seed: int = 0
    """Random seed of row order and initialisation of nothing else (the weights start from the base)."""
    threads: int = 0
    """torch CPU threads; 0: the cores this process may use."""
