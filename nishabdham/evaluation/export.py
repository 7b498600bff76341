"""Evaluation sets → a Hugging Face ``datasets`` folder, for fine-tuning Whisper elsewhere.

The folder has the Hub's layout: ``data/<split>-00000-of-00001.parquet`` and a
``README.md`` dataset card. Each row's stretch of audio (``offset`` and
``duration`` applied) is embedded as a 16 kHz mono WAV in the ``audio``
column, declared as ``datasets.Audio(sampling_rate=16000)``, next to ``text``
(the reviewed reference), ``lang``, ``duration``, ``id``, ``tags``,
``hypothesis`` and the row's other fields as JSON (``extra``). Load it with
``datasets.load_dataset(FOLDER)`` anywhere, with no access to the original
recordings.

Why Parquet and not an "audiofolder": datasets ≥ 4 needs torchcodec (and so
a CUDA build of torch) merely to build an audiofolder dataset, while a Parquet
folder with embedded audio loads with pyarrow alone and decodes on the
fine-tuning machine.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nishabdham.errors import DependencyError, NishabdhamError, OutputError
from nishabdham.evaluation.manifest import ManifestEntry

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
_STRING = {"dtype": "string", "_type": "Value"}
FEATURES = {
    "audio": {"sampling_rate": SAMPLE_RATE, "_type": "Audio"},
    "text": _STRING,
    "lang": _STRING,
    "duration": {"dtype": "float64", "_type": "Value"},
    "id": _STRING,
    "tags": {"feature": _STRING, "_type": "Sequence"},
    "hypothesis": _STRING,
    "extra": _STRING,
}
_KNOWN = {"audio_filepath", "duration", "offset", "text", "lang", "hypothesis", "tags"}


@dataclass(frozen=True, slots=True)
class ExportResult:
    folder: Path
    parquet: Path
    rows: int
    seconds: float
    problems: tuple[str, ...]


def export_evalset(entries: Sequence[ManifestEntry], out: str | Path, split: str = "train") -> ExportResult:
    """Write ``entries`` as split ``split`` of a datasets folder at ``out``; rows whose audio fails are reported."""
    pa, pq = _pyarrow()
    out = Path(out)
    columns: dict[str, list] = {name: [] for name in FEATURES}
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="nishabdham-export-") as tmp:
        for index, entry in enumerate(entries):
            try:
                wav = _clip(entry, Path(tmp) / f"{index}.wav")
            except NishabdhamError as exc:
                problems.append(f"{entry.manifest}:{entry.line}: {exc}")
                continue
            _append(columns, entry, wav)
    table = pa.table(columns, schema=_schema(pa))
    parquet = out / "data" / f"{split}-00000-of-00001.parquet"
    try:
        parquet.parent.mkdir(parents=True, exist_ok=True)
        partial = parquet.with_name(f".{parquet.name}.tmp")
        pq.write_table(table, partial)
        partial.replace(parquet)
        (out / "README.md").write_text(dataset_card(out), encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write the dataset ({exc.strerror or exc})", path=out) from exc
    seconds = sum(columns["duration"])
    log.info("exported %d rows (%.1f s of audio) to %s", table.num_rows, seconds, parquet)
    return ExportResult(out, parquet, table.num_rows, round(seconds, 3), tuple(problems))


def _clip(entry: ManifestEntry, out: Path) -> Path:
    from nishabdham.evaluation.runner import cut_audio

    return cut_audio(entry.audio, out, entry.row.offset, entry.row.duration, sample_rate=SAMPLE_RATE)


def _append(columns: dict[str, list], entry: ManifestEntry, wav: Path) -> None:
    import soundfile

    row = entry.row
    data = wav.read_bytes()
    extra = {k: v for k, v in row.model_dump().items() if k not in _KNOWN and v is not None}
    columns["audio"].append({"bytes": data, "path": f"{entry.row_id.replace('/', '__')}.wav"})
    columns["text"].append(row.text)
    columns["lang"].append(row.lang)
    columns["duration"].append(round(soundfile.info(str(wav)).duration, 3))
    columns["id"].append(entry.row_id)
    columns["tags"].append(list(row.tags))
    columns["hypothesis"].append(row.hypothesis)
    columns["extra"].append(json.dumps(extra, ensure_ascii=False, sort_keys=True))


def _schema(pa):
    fields = [
        pa.field("audio", pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
        pa.field("text", pa.string()),
        pa.field("lang", pa.string()),
        pa.field("duration", pa.float64()),
        pa.field("id", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("hypothesis", pa.string()),
        pa.field("extra", pa.string()),
    ]
    metadata = {"huggingface": json.dumps({"info": {"features": FEATURES}})}
    return pa.schema(fields, metadata=metadata)


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise DependencyError("exporting evaluation sets needs pyarrow: pip install 'nishabdham[eval]'") from exc
    return pa, pq


def dataset_card(folder: Path) -> str:
    """The README.md of the exported folder: the Hub's front matter and how to load it."""
    splits = sorted(p.name.split("-")[0] for p in (folder / "data").glob("*-00000-of-00001.parquet"))
    files = "\n".join(f"  - split: {s}\n    path: data/{s}-*.parquet" for s in splits)
    return f"""---
configs:
- config_name: default
  data_files:
{files}
---

# Nishabdham evaluation set

Exported by `nishabdham evalset export`. Each row is one utterance: `audio` (16 kHz mono WAV,
embedded), `text` (the reviewed reference), `lang` (te, en or te-en), `duration` (seconds),
`id`, reviewers' error `tags`, the machine's `hypothesis` before review, and `extra` (the
manifest row's other fields as JSON).

```python
from datasets import load_dataset
ds = load_dataset("{folder.name}")        # this folder
ds["{splits[0] if splits else "train"}"][0]["audio"]               # decoded with torchcodec on the training machine
```
"""
