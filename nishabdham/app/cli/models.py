"""``nishabdham models``: the adapted models installed under the data directory, with their cards."""

from __future__ import annotations

import argparse
import json

from nishabdham.app.cli.common import settings_from


def register(subparsers) -> None:
    parser = subparsers.add_parser("models", help="list adapted models", description=__doc__)
    parser.add_argument("--json", action="store_true", help="the model cards as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nishabdham.adapt.registry import installed

    settings = settings_from(args)
    models = installed(settings.data_dir)
    if args.json:
        print(
            json.dumps(
                [{"name": m.name, "path": str(m.path), "card": m.card} for m in models], ensure_ascii=False, indent=2
            )
        )
        return 0
    if not models:
        print(f"no adapted models in {settings.data_dir}; make one with `nishabdham adapt MANIFEST --name NAME`")
        return 0
    for model in models:
        print(summary(model.name, model.card))
    return 0


def summary(name: str, card: dict) -> str:
    """One line per model: name, rows, minutes, speakers, held-out CER before -> after."""
    held = next((c for c in card.get("checks", []) if c.get("name") == "held-out"), None)
    figures = f"held-out CER {held['before']['cer']} -> {held['after']['cer']}" if held else "not checked"
    rows = card.get("rows", {}).get("train", "?")
    minutes = card.get("minutes", {}).get("train", "?")
    speakers = ", ".join(card.get("speakers", [])) or "-"
    return f"{name}\t{rows} rows, {minutes} min\tspeakers: {speakers}\t{figures}\t{card.get('created', '')}"
