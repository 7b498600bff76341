"""The dev set scored with three CPU kernel settings side by side: how much quality depends on the CPU.

Each setting runs ``nishabdham eval --dev`` in its own process (CTranslate2 reads its kernel
variables once, when it loads), one after the other in this one call:

- ``avx2-pinned``: the regression guard's pinned kernels (``devset.REPRODUCIBLE_KERNELS``:
  CTranslate2 at AVX2, Intel MKL for the matrix products, MKL's reproducible AVX2 mode);
- ``machine``: this machine's own kernels (nothing set: the widest ISA the CPU has, MKL on Intel,
  oneDNN on AMD; no ``MKL_CBWR``);
- ``avx512`` where the CPU has AVX-512 (``CT2_FORCE_CPU_ISA=AVX512``), else ``avx``
  (``CT2_FORCE_CPU_ISA=AVX``): the kernels of another CPU generation.

Figures: CER on the tuning fold (cv_te_spkA), the held-out fold (cv_te_spkC) and pooled Telugu, and
the spread (largest minus smallest) of each across the settings; ``--json`` keeps every run.
Any ``NISHABDHAM_`` setting in the environment applies to all three (``NISHABDHAM_DECODE__FALLBACK``).

    .venv/bin/python bench/bench_kernels.py [--only machine avx] [--json OUT] [--runs DIR]
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
KERNEL_VARIABLES = ("CT2_FORCE_CPU_ISA", "CT2_USE_MKL", "MKL_CBWR")
PINNED = {"CT2_FORCE_CPU_ISA": "AVX2", "CT2_USE_MKL": "1", "MKL_CBWR": "AVX2"}  # devset.REPRODUCIBLE_KERNELS


def has_avx512() -> bool:
    try:
        return " avx512f" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def settings() -> dict[str, dict[str, str]]:
    """The three kernel settings of this CPU, by name."""
    third = ("avx512", {"CT2_FORCE_CPU_ISA": "AVX512"}) if has_avx512() else ("avx", {"CT2_FORCE_CPU_ISA": "AVX"})
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these settings")
    parser.add_argument("--json", metavar="OUT", help="write the figures of every setting as JSON")
    parser.add_argument("--runs", metavar="DIR", help="keep each setting's eval run here (default: a temp folder)")
    args = parser.parse_args()
    chosen = {k: v for k, v in settings().items() if not args.only or k in args.only}
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
