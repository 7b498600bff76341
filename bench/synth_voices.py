"""Synthetic Telugu voices for tuning (never for gating alone): espeak-ng + ffmpeg variation.

Sentences of the bundled corpus (nishabdham/pipeline/data/te_cv_sentences.txt.gz, CC0; the dev
references are not in it) are spoken by espeak-ng's Telugu voice (``-v te``, Debian
``espeak-ng``), then varied with ffmpeg: pitch, tempo, background noise and a room echo. Each
variant is its own ``speaker`` in the manifest, so ``bench/tune_codeswitch.py --decode
--manifest OUT/manifest.jsonl`` can add it as an extra tuning fold. Figures on these voices are
reported apart from the real voices, and no constant is chosen on them alone: espeak's
Telugu is intelligible but robotic, far from a reciter. The sentences are also in the word
model's training text, so the word model looks better on them than on new text: to tune its
weight here, hold these sentences out of the model first.

    .venv/bin/python bench/synth_voices.py --out /tmp/synth --sentences 20

Not run in CI (needs espeak-ng; takes a minute).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nishabdham.pipeline.codeswitch.lm import CORPUS  # noqa: E402

#: name -> ffmpeg filter graph applied to espeak's output (resampled to 16 kHz mono at the end).
VARIANTS = {
    "plain": "anull",
    "low-slow": "asetrate=22050*0.88,aresample=22050,atempo=0.92",
    "high-fast": "asetrate=22050*1.12,aresample=22050,atempo=1.05",
    "echo": "aecho=0.8:0.7:60|120:0.35|0.2",
}
NOISE_DB = -32  # pink noise under the "noisy" variant, relative to full scale


def sentences(count: int, seed: int, max_words: int = 10) -> list[str]:
    import gzip

    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        lines = [line.strip() for line in handle if 2 <= len(line.split()) <= max_words]
    return random.Random(seed).sample(lines, count)


def speak(text: str, out: Path, rate: int = 150) -> None:
    subprocess.run(["espeak-ng", "-v", "te", "-s", str(rate), "-w", str(out), text], check=True, capture_output=True)


def vary(source: Path, out: Path, graph: str, noise: bool = False) -> None:
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source)]
    if noise:
        command += [
            "-f",
            "lavfi",
            "-i",
            f"anoisesrc=color=pink:amplitude={10 ** (NOISE_DB / 20):.4f}:sample_rate=22050",
        ]
        graph = f"[0:a]{graph}[v];[v][1:a]amix=inputs=2:duration=first:normalize=0"
        command += ["-filter_complex", graph]
    else:
        command += ["-af", graph]
    command += ["-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", str(out)]
    subprocess.run(command, check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("/tmp/nishabdham-synth"))
    parser.add_argument("--sentences", type=int, default=20)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    if not shutil.which("espeak-ng"):
        print("espeak-ng is missing: apt-get install espeak-ng", file=sys.stderr)
        return 2
    audio = args.out / "audio"
    audio.mkdir(parents=True, exist_ok=True)
    rows = []
    names = list(VARIANTS) + ["noisy"]
    for index, text in enumerate(sentences(args.sentences, args.seed)):
        raw = audio / f"raw-{index:03d}.wav"
        speak(text, raw)
        variant = names[index % len(names)]  # one variant per sentence: speakers differ in text too
        wav = audio / f"synth-{index:03d}-{variant}.wav"
        vary(raw, wav, VARIANTS.get(variant, "anull"), noise=variant == "noisy")
        raw.unlink()
        rows.append(
            {"audio_filepath": f"audio/{wav.name}", "text": text, "lang": "te", "speaker": f"synth-{variant}",
             "source": "espeak-ng -v te over the Common Voice Telugu sentence collection (CC0-1.0)"}
        )  # fmt: skip
    manifest = args.out / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} synthetic clips, {len(names)} voices: {manifest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
