"""The dev set scored with three CPU kernel settings side by side: how much quality depends on the CPU.

Each setting runs ``nishabdham eval --dev`` in its own process (CTranslate2 reads its kernel
variables once, when it loads), one after the other in this one call:

- ``avx2-pinned``: the regression guard's pinned kernels (``devset.REPRODUCIBLE_KERNELS``:
  CTranslate2 at AVX2, oneDNN for the matrix products, capped at AVX2);
- ``machine``: this machine's own kernels (nothing set: the widest ISA the CPU has, MKL on Intel,
  oneDNN on AMD);
- ``avx512`` where the CPU has AVX-512 (``CT2_FORCE_CPU_ISA=AVX512``), else ``avx``
  (``CT2_FORCE_CPU_ISA=AVX``, ``ONEDNN_MAX_CPU_ISA=AVX``): the kernels of another CPU generation.

Figures: CER on the tuning fold (cv_te_spkA), the held-out fold (cv_te_spkC) and pooled Telugu, and
the spread (largest minus smallest) of each across the settings; ``--json`` keeps every run.
Any ``NISHABDHAM_`` setting in the environment applies to all three (``NISHABDHAM_DECODE__FALLBACK``).

``--numbers`` looks under the transcripts, at the numbers (a minute, not an hour): for each compute
type (int8, float32) and kernel setting, the two Telugu sample clips' language probabilities and
one beam-search decode (tokens and score), and how far they move between kernel settings.

    .venv/bin/python bench/bench_kernels.py [--only machine avx] [--json OUT] [--runs DIR]
    .venv/bin/python bench/bench_kernels.py --numbers [--only avx2-pinned machine]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KERNEL_VARIABLES = ("CT2_FORCE_CPU_ISA", "CT2_USE_MKL", "MKL_CBWR", "ONEDNN_MAX_CPU_ISA")
PINNED = {"CT2_FORCE_CPU_ISA": "AVX2", "CT2_USE_MKL": "0", "ONEDNN_MAX_CPU_ISA": "AVX2"}  # devset.REPRODUCIBLE_KERNELS


#: The kernels of an older CPU generation: both libraries at AVX.
AVX = {"CT2_FORCE_CPU_ISA": "AVX", "ONEDNN_MAX_CPU_ISA": "AVX"}


def has_avx512() -> bool:
    try:
        return " avx512f" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def settings() -> dict[str, dict[str, str]]:
    """The three kernel settings of this CPU, by name."""
    third = ("avx512", {"CT2_FORCE_CPU_ISA": "AVX512"}) if has_avx512() else ("avx", AVX)
    return {"avx2-pinned": PINNED, "machine": {}, third[0]: third[1]}


def score(name: str, kernels: dict[str, str], out: Path) -> dict:
    """One ``eval --dev`` with ``kernels`` (and nothing else of the kernel variables) in the environment."""
    env = {k: v for k, v in os.environ.items() if k not in KERNEL_VARIABLES} | kernels
    command = [sys.executable, "-m", "nishabdham", "eval", "--dev", "--kernels", "machine", "--no-history"]
    command += ["--label", f"kernels-{name}", "--json", str(out)]
    subprocess.run(command, cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text(encoding="utf-8"))


def figures(run: dict) -> dict[str, float | None]:
    speakers = run.get("by_speaker", {})
    return {
        "spkA": (speakers.get("cv_te_spkA") or {}).get("cer"),
        "spkC": (speakers.get("cv_te_spkC") or {}).get("cer"),
        "pooled te": (run.get("by_lang", {}).get("te") or {}).get("cer"),
        "en WER": (run.get("by_lang", {}).get("en") or {}).get("wer"),
    }


def table(results: dict[str, dict[str, float | None]]) -> str:
    columns = ["spkA", "spkC", "pooled te", "en WER"]
    lines = ["| kernels | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, row in results.items():
        lines.append(f"| {name} | " + " | ".join(_fmt(row[c]) for c in columns) + " |")
    spread = {c: _spread([row[c] for row in results.values()]) for c in columns}
    lines.append("| **spread** | " + " | ".join(_fmt(spread[c]) for c in columns) + " |")
    return "\n".join(lines)


def _spread(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(max(known) - min(known), 4) if len(known) > 1 else None


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


SAMPLE_CLIPS = ("samples/te_verse/common_voice_te_42973997.wav", "samples/te_prose/common_voice_te_42973996.wav")
COMPUTE_TYPES = ("int8", "float32")


def numbers_child(compute_type: str) -> None:
    """Print (JSON) each sample clip's p(te), p(en) and a beam-search decode's tokens and score."""
    sys.path.insert(0, str(ROOT))
    from faster_whisper.audio import pad_or_trim

    from nishabdham.pipeline.audio import load_audio
    from nishabdham.pipeline.decode.model import ModelOptions, load_model

    whisper = load_model(ModelOptions(compute_type=compute_type, decode_workers=1, cpu_threads=1)).whisper
    prompt = [whisper.hf_tokenizer.token_to_id(t) for t in ("<|startoftranscript|>", "<|te|>", "<|transcribe|>")]
    prompt.append(whisper.hf_tokenizer.token_to_id("<|notimestamps|>"))
    out = []
    for clip in SAMPLE_CLIPS:
        features = whisper.feature_extractor(load_audio(ROOT / clip).samples)
        encoded = whisper.encode(pad_or_trim(features[:, : min(3000, features.shape[-1] - 1)]))
        languages = dict(whisper.model.detect_language(encoded)[0])
        result = whisper.model.generate(encoded, [prompt], beam_size=5, return_scores=True)[0]
        out.append({"clip": Path(clip).name, "p_te": languages["<|te|>"], "p_en": languages["<|en|>"],
                    "tokens": result.sequences_ids[0], "score": result.scores[0]})  # fmt: skip
    print(json.dumps(out))


def numbers(chosen: dict[str, dict[str, str]]) -> str:
    """The table of ``--numbers``: per compute type and clip, how much the kernels move the numbers."""
    lines = [
        "| compute type | clip | score per token (by kernels) | p(te) (by kernels) | same tokens |",
        "|---|---|---|---|---|",
    ]
    for compute_type in COMPUTE_TYPES:
        runs = {}
        for name, kernels in chosen.items():
            env = {k: v for k, v in os.environ.items() if k not in KERNEL_VARIABLES} | kernels
            command = [sys.executable, __file__, "--child", compute_type]
            done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
            runs[name] = json.loads(done.stdout.strip().splitlines()[-1])
        for i, clip in enumerate(SAMPLE_CLIPS):
            rows = [run[i] for run in runs.values()]
            scores = " / ".join(f"{r['score']:.4f}" for r in rows)
            p_te = " / ".join(f"{r['p_te']:.4f}" for r in rows)
            same = "yes" if all(r["tokens"] == rows[0]["tokens"] for r in rows) else "**no**"
            lines.append(f"| {compute_type} | {Path(clip).stem} | {scores} | {p_te} | {same} |")
    return "kernels: " + " / ".join(chosen) + "\n\n" + "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these settings")
    parser.add_argument("--json", metavar="OUT", help="write the figures of every setting as JSON")
    parser.add_argument("--runs", metavar="DIR", help="keep each setting's eval run here (default: a temp folder)")
    parser.add_argument("--numbers", action="store_true", help="compare the numbers under the transcripts instead")
    parser.add_argument("--child", metavar="COMPUTE_TYPE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        numbers_child(args.child)
        return 0
    chosen = {k: v for k, v in settings().items() if not args.only or k in args.only}
    if args.numbers:
        print(numbers(chosen))
        return 0
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-kernels-") as scratch:
        folder = Path(args.runs or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for name, kernels in chosen.items():
            print(f"scoring the dev set with {name} kernels {kernels or '(none set)'} ...", file=sys.stderr)
            results[name] = figures(score(name, kernels, folder / f"kernels-{name}.json"))
            print(name, results[name], file=sys.stderr)
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
