"""A learning curve on one reader: adapt on 10, 20, 40 and all lines, score that reader's other lines.

    .venv-diar/bin/python bench/bench_adapt_curve.py [--lines 10,20,40,80] [--scored 25] [--out test-artifacts/adapt-curve.json]

The dev set has 15 clips of two readers, too few for the issue's "40 lines of one reader, scored
on 25 others". This builds such a reader: ``bench/synth_voices.py``'s espeak-ng Telugu voice in
one fixed variant (``low-slow``: pitch and tempo down, a steady voice), reading sentences of the
bundled CC0 corpus, ``--scored`` of them kept apart for scoring and nested training sets of
``--lines`` taken from the rest (10 ⊂ 20 ⊂ 40 ⊂ all). Each point runs
``nishabdham.adapt.job.adapt_model`` with the issue's recipe (the defaults of ``AdaptOptions``),
nothing held out and no refusal, and with guards: the scored lines (that reader's other
recordings), the dev set's two real readers (other voices) and JFK (English), so the bundled and
the adapted model are scored in the same run, through the whole pipeline, with the evaluation's
metrics. A synthetic voice is easier to learn than a person (it never varies), and the corpus
sentences are in the word model's training text: the figures show what the loop learns from a
reader's lines, not what a real reciter will get. Run under ``nice``: training takes both cores.
Needs espeak-ng and the ``adapt`` environment.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_adapt import rows_of, write  # noqa: E402
from synth_voices import VARIANTS, sentences, speak, vary  # noqa: E402

from nishabdham.adapt.job import adapt_model  # noqa: E402
from nishabdham.adapt.options import AdaptOptions  # noqa: E402
from nishabdham.evaluation.devset import default_dev_data, dev_manifests  # noqa: E402
from nishabdham.settings import load_settings  # noqa: E402

READER = "low-slow"


def synth_reader(texts: list[str], audio: Path) -> list[dict]:
    """One reader: every line in the same espeak-ng variant, 16 kHz mono WAV."""
    audio.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, text in enumerate(texts):
        raw = audio / f"raw-{index:03d}.wav"
        speak(text, raw)
        wav = audio / f"line-{index:03d}.wav"
        vary(raw, wav, VARIANTS[READER])
        raw.unlink()
        rows.append({"audio_filepath": str(wav), "text": text, "lang": "te", "speaker": f"synth-{READER}"})
    return rows


def audio_minutes(rows: list[dict]) -> float:
    import soundfile

    return sum(soundfile.info(r["audio_filepath"]).duration for r in rows) / 60


def figures(card: dict, guard: str) -> dict:
    check = next(c for c in card["checks"] if c["name"].endswith(guard))
    return {"before": check["before"], "after": check["after"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", default="10,20,40,80")
    parser.add_argument("--scored", type=int, default=25)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--out", default=str(ROOT / "test-artifacts" / "adapt-curve.json"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("faster_whisper", "nishabdham.pipeline", "nishabdham.evaluation", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    sizes = [int(n) for n in args.lines.split(",")]
    work = Path(tempfile.mkdtemp(prefix="bench-adapt-curve-"))
    texts = sentences(args.scored + max(sizes), args.seed)
    random.Random(args.seed).shuffle(texts)
    rows = synth_reader(texts, work / "audio")
    scored, pool = rows[: args.scored], rows[args.scored :]
    scored_manifest = write(scored, work / "reader-scored.jsonl")
    manifests = dev_manifests(default_dev_data(), work / "dev")
    te = next(m for m in manifests if m.parent.name == "te_cv")
    jfk = next(m for m in manifests if m.parent.name == "en_jfk")
    dev_manifest = write(rows_of(te), work / "dev-readers.jsonl")
    options = replace(AdaptOptions(), holdout_share=0.0, max_worse=1.0, guard_cer=1.0, guard_english_wer=1.0)
    settings = load_settings(data_dir=str(work / "data"))
    results = []
    try:
        for size in sizes:
            train = write(pool[:size], work / f"train-{size}.jsonl")
            started = time.perf_counter()
            result = adapt_model(
                train, f"reader-{size}", settings.data_dir, settings.pipeline_options(), options,
                guards=[scored_manifest, dev_manifest, jfk], replace_existing=True,
            )  # fmt: skip
            card = result.card
            results.append(
                {
                    "lines": size,
                    "audio_minutes": round(audio_minutes(pool[:size]), 2),
                    "training_seconds": card["training"]["seconds"],
                    "wall_seconds": round(time.perf_counter() - started, 1),
                    "reader": figures(card, scored_manifest.name),
                    "dev_readers": figures(card, dev_manifest.name),
                    "english": figures(card, str(jfk)),
                }
            )
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"reader": f"espeak-ng -v te, variant {READER}", "scored_lines": args.scored, "seed": args.seed}
    out.write_text(json.dumps({**meta, "options": repr(options), "points": results}, indent=2) + "\n", "utf-8")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
