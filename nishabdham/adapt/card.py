"""The model card of an adapted model: ``card.json`` for programs, ``README.md`` for people."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from nishabdham.adapt import data
from nishabdham.adapt.check import Comparison
from nishabdham.adapt.options import RECIPE, AdaptOptions
from nishabdham.adapt.registry import CARD, CARD_MD
from nishabdham.files import atomic_write_text

FORMAT = "nishabdham-model-card/1"


def build(
    *,
    name: str,
    base: Path,
    manifest: Path,
    manifest_sha256: str,
    split: data.Split,
    examples: Sequence[data.Example],
    report,
    options: AdaptOptions,
    comparisons: Sequence[Comparison],
    seconds: float,
) -> dict:
    """The card's content (also kept, with the refusal, for a model that was not installed)."""
    return {
        "format": FORMAT,
        "name": name,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "base_model": str(base),
        "manifest": {"path": str(manifest), "sha256": manifest_sha256},
        "rows": {"train": len(examples), "held_out": len(split.held_out), "in_manifest_train_split": len(split.train)},
        "minutes": {
            "train": round(sum(e.seconds for e in examples) / 60, 2),
            "held_out": round(_seconds(split.held_out) / 60, 2),
        },
        "speakers": data.speakers([*split.train, *split.held_out]),
        "recordings": {
            "train": len({data.recording(e) for e in split.train}),
            "held_out": len({data.recording(e) for e in split.held_out}),
        },
        "recipe": {"text": RECIPE, "options": asdict(options)},
        "training": asdict(report),
        "decoding": "pivot",
        "checks": [c.as_dict() for c in comparisons],
        "seconds": round(seconds, 1),
    }


def _seconds(entries) -> float:
    return sum(e.row.duration or 0.0 for e in entries)


def write(folder: Path, card: dict) -> None:
    atomic_write_text(folder / CARD, json.dumps(card, ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(folder / CARD_MD, markdown(card))


def markdown(card: dict) -> str:
    """A short Markdown card."""
    training = card["training"]
    lines = [
        f"# {card['name']}",
        "",
        f"Whisper adapted by `nishabdham adapt` on {card['created']}, from `{card['base_model']}`.",
        "",
        f"- Rows: {card['rows']['train']} trained on ({card['minutes']['train']} min of audio), "
        f"{card['rows']['held_out']} held out ({card['minutes']['held_out']} min), whole recordings held out",
        f"- Speakers: {', '.join(card['speakers']) or 'not named in the manifest'}",
        f"- Recipe: {card['recipe']['text']}; lr {card['recipe']['options']['learning_rate']}, "
        f"batch {card['recipe']['options']['batch_size']}",
        f"- Training: {training['steps']} steps ({training['epochs_done']} epochs) in {training['seconds']} s, "
        f"stopped by {training['stopped_by']}; loss {training['first_loss']} -> {training['last_loss']}",
        "",
        "| check | rows | CER before | CER after | WER before | WER after | Telugu script before | after | passed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for check in card["checks"]:
        b, a = check["before"], check["after"]
        lines.append(
            f"| {check['name']} | {b['rows']} | {_f(b['cer'])} | {_f(a['cer'])} | {_f(b['wer'])} | {_f(a['wer'])} "
            f"| {_f(b['telugu_script_share'])} | {_f(a['telugu_script_share'])} | {'yes' if check['passed'] else 'no'} |"
        )
    if not card["checks"]:
        lines.append("| (nothing held out: the manifest has one recording) | | | | | | | | |")
    lines += ["", f"Use it: `nishabdham transcribe --model {card['name']} RECORDING`.", ""]
    return "\n".join(lines)


def _f(value) -> str:
    return "-" if value is None else f"{value:.3f}"
