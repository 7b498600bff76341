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
from pathlib import Path

from nishabdham.errors import InputError
from nishabdham.pipeline.script import dominant_script

ROOT = Path(__file__).resolve().parents[2]
#: The committed baseline of the dev set (regenerate with ``make eval-dev-baseline``).
BASELINE = ROOT / "eval" / "baseline-dev.json"
#: The speakers of the dev set every tuned constant of the code-switch stage was chosen on
#: (bench/tune_codeswitch.py --tune-on). The other speakers are the held-out fold that
#: ``make eval-dev`` reports beside the pooled figures: what an unseen voice can expect.
TUNING_SPEAKERS = ("cv_te_spkA",)
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
