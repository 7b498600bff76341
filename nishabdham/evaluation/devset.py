"""The development set the regression guard scores, and where its baseline lives.

The dev data sit outside the repository (``../shared/data/dev`` from its root,
or ``NISHABDHAM_DEV_DATA``). Each subfolder is one part: a ``manifest.jsonl``
is used as it is; a folder with a ``transcript.txt`` and one recording (the
JFK clip) gets a one-row manifest written for it, with the recording's
absolute path.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from nishabdham.errors import ConfigError, InputError
from nishabdham.pipeline.script import dominant_script

ROOT = Path(__file__).resolve().parents[2]
#: The committed baseline of the dev set (regenerate with ``make eval-dev-baseline``).
BASELINE = ROOT / "eval" / "baseline-dev.json"
#: The speakers of the dev set every tuned constant of the code-switch stage was chosen on
#: (bench/tune_codeswitch.py --tune-on). The other speakers are the held-out fold that
#: ``make eval-dev`` reports beside the pooled figures: what an unseen voice can expect.
TUNING_SPEAKERS = ("cv_te_spkA",)
#: CPU kernels the dev set is scored with: the same arithmetic on every x86-64 machine with AVX2,
#: Intel or AMD: CTranslate2's own kernels at AVX2, and oneDNN (not Intel MKL, which CTranslate2
#: picks on Intel CPUs only) for the matrix products, capped at AVX2 too. Integer (int8) products
#: are exact whatever the blocking, so what differs between CPUs is the instruction set, and both
#: libraries are held to one. With each machine's own kernels the decodes differ, and Whisper
#: base's output on Telugu is fragile: on the same code the held-out CER was 0.383 on one machine
#: and 0.409 on another, so a baseline from one machine failed on the other. (An earlier pin forced
#: MKL everywhere: on AMD CPUs MKL's int8 products run about eight times slower, docs/DETERMINISM.md.)
#: Variables already set in the environment are kept.
REPRODUCIBLE_KERNELS = {"CT2_FORCE_CPU_ISA": "AVX2", "CT2_USE_MKL": "0", "ONEDNN_MAX_CPU_ISA": "AVX2"}
_AUDIO = {".wav", ".flac", ".mp3", ".m4a", ".ogg", ".opus"}


def default_dev_data() -> Path:
    """``NISHABDHAM_DEV_DATA``, else ``../shared/data/dev`` relative to the repository root."""
    return Path(os.environ.get("NISHABDHAM_DEV_DATA") or ROOT.parent / "shared" / "data" / "dev")


def dev_manifests(folder: str | Path, work: str | Path) -> list[Path]:
    """The manifests of the dev set in ``folder``; one-row manifests are written under ``work``."""
    folder, work = Path(folder), Path(work)
    if not folder.is_dir():
        raise InputError("dev data folder not found (set NISHABDHAM_DEV_DATA or DEV_DATA)", path=folder)
    manifests = []
    for part in sorted(p for p in folder.iterdir() if p.is_dir()):
        if (part / "manifest.jsonl").is_file():
            manifests.append(part / "manifest.jsonl")
        elif (part / "transcript.txt").is_file():
            manifests.append(_transcript_manifest(part, work / part.name))
    if not manifests:
        raise InputError("no manifest.jsonl or transcript.txt in any subfolder", path=folder)
    return manifests


def _transcript_manifest(part: Path, out: Path) -> Path:
    recordings = sorted(p for p in part.iterdir() if p.suffix.lower() in _AUDIO)
    if len(recordings) != 1:
        raise InputError(f"expected one recording beside transcript.txt, found {len(recordings)}", path=part)
    text = (part / "transcript.txt").read_text(encoding="utf-8").strip()
    lang = "te" if dominant_script(text) == "Telugu" else "en"
    row = {"audio_filepath": str(recordings[0].resolve()), "text": text, "lang": lang}
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.jsonl"
    manifest.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def pin_kernels() -> dict[str, str]:
    """Set :data:`REPRODUCIBLE_KERNELS` for this process (before CTranslate2 loads); the kernels in
    effect. When CTranslate2 is already loaded they cannot take effect: an error says so."""
    if "ctranslate2" in sys.modules and any(os.environ.get(k) != v for k, v in REPRODUCIBLE_KERNELS.items()):
        raise ConfigError("CTranslate2 is already loaded: the dev set's CPU kernels must be set before it loads")
    for name, value in REPRODUCIBLE_KERNELS.items():
        os.environ.setdefault(name, value)
    return {name: os.environ[name] for name in REPRODUCIBLE_KERNELS}
