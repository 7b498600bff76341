"""Adapting Whisper on the dev set: before/after figures per fold, training cost, decode speed.

    .venv-diar/bin/python bench/bench_adapt.py [--folds A2C,C2A,half] [--epochs 5] [--out test-artifacts/adapt-dev.json]

Folds (dev set: speakers cv_te_spkA and cv_te_spkC, plus the JFK English clip):
``A2C`` adapts on spkA and scores spkC, ``C2A`` the other way, ``half`` adapts on half of each
speaker's clips and scores the other half. Each fold runs ``nishabdham.adapt.job.adapt_model``
with nothing held out and the scored rows and JFK as guard manifests, so the bundled model and the
adapted one are scored in the same run, through the whole pipeline, with the evaluation's metrics.
Also measured: training seconds and peak memory (max RSS) per minute of training audio, and the
decode time of the held-out clips with the bundled and the adapted model (faster-whisper alone,
pivot request, beam 5). Run under ``nice``: training takes both cores.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nishabdham.adapt.job import adapt_model  # noqa: E402
from nishabdham.adapt.options import AdaptOptions  # noqa: E402
from nishabdham.evaluation.devset import default_dev_data, dev_manifests  # noqa: E402
from nishabdham.pipeline.codeswitch.options import PIVOT_PROMPT  # noqa: E402
from nishabdham.settings import load_settings  # noqa: E402


def rows_of(manifest: Path) -> list[dict]:
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        row["audio_filepath"] = str((manifest.parent / row["audio_filepath"]).resolve())
    return rows


def write(rows: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def folds(te: list[dict]) -> dict[str, tuple[list[dict], list[dict]]]:
    a = sorted((r for r in te if r["speaker"] == "cv_te_spkA"), key=lambda r: r["audio_filepath"])
    c = sorted((r for r in te if r["speaker"] == "cv_te_spkC"), key=lambda r: r["audio_filepath"])
    half = a[::2] + c[::2], a[1::2] + c[1::2]
    return {"A2C": (a, c), "C2A": (c, a), "half": half}


def decode_seconds(model_dir: str, rows: list[dict]) -> float:
    from faster_whisper import WhisperModel

    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=2)
    started = time.perf_counter()
    for row in rows:
        segments, _ = model.transcribe(row["audio_filepath"], language="en", initial_prompt=PIVOT_PROMPT, beam_size=5)
        list(segments)
    return round(time.perf_counter() - started, 2)


def run_fold(name, train, scored, jfk, work: Path, options: AdaptOptions, settings) -> dict:
    train_manifest = write(train, work / f"{name}-train.jsonl")
    scored_manifest = write(scored, work / f"{name}-scored.jsonl")
    peak = {}

    def progress(stage: str, fraction: float) -> None:
        if stage == "convert" and "train" not in peak:  # training has just ended
            peak["train"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    started = time.perf_counter()
    result = adapt_model(
        train_manifest,
        f"dev-{name}",
        settings.data_dir,
        settings.pipeline_options(),
        options,
        guards=[scored_manifest, jfk],
        replace_existing=True,
        progress=progress,
    )
    card = result.card
    minutes = card["minutes"]["train"]
    figures = {
        "fold": name,
        "train_rows": card["rows"]["train"],
        "train_minutes": minutes,
        "scored_rows": len(scored),
        "installed": result.installed,
        "refusal": result.refusal,
        "training": card["training"],
        "train_seconds_per_audio_minute": round(card["training"]["seconds"] / minutes, 1) if minutes else None,
        "peak_rss_mb_after_training": round(peak.get("train", 0.0)),
        "checks": card["checks"],
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    if result.installed:
        figures["decode_seconds"] = {
            "bundled": decode_seconds(str(Path(card["base_model"])), scored),
            "adapted": decode_seconds(str(result.path), scored),
        }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", default="half,A2C,C2A")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--learning-rate", type=float, default=2e-5)
    parser.add_argument("--out", default=str(ROOT / "test-artifacts" / "adapt-dev.json"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("faster_whisper", "nishabdham.pipeline", "nishabdham.evaluation", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Nothing held out (the scored rows are the guards), and no refusal: the figures are what is wanted here.
    options = replace(
        AdaptOptions(),
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        holdout_share=0.0,
        max_worse=1.0,
        guard_cer=1.0,
        guard_english_wer=1.0,
    )
    work = Path(tempfile.mkdtemp(prefix="bench-adapt-"))
    settings = load_settings(data_dir=str(work / "data"))
    manifests = dev_manifests(default_dev_data(), work)
    te_manifest = next(m for m in manifests if m.parent.name == "te_cv")
    jfk = next(m for m in manifests if m.parent.name == "en_jfk")
    results = []
    try:
        for name, (train, scored) in folds(rows_of(te_manifest)).items():
            if name in args.folds.split(","):
                results.append(run_fold(name, train, scored, jfk, work, options, settings))
                print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"options": repr(options), "folds": results}, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
