"""What each code-switch step buys: CER, WER and Telugu-script share on the dev set.

Every dev clip is decoded once per decoding strategy (native: Whisper's own language
detection; pivot: English with a romanized-Telugu prompt); the post-processing steps are
then switched on one at a time over the same decodings, so the rows differ only by the
steps. Also reports the stage's time against transcription time.

    .venv/bin/python bench/bench_codeswitch.py [--dev ../shared/data/dev] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indic_transliteration import sanscript  # noqa: E402

from nishabdham.evaluation.metrics import cer, telugu_script_share, wer  # noqa: E402
from nishabdham.pipeline.audio import load_audio  # noqa: E402
from nishabdham.pipeline.codeswitch import CodeSwitcher, CodeSwitchOptions  # noqa: E402
from nishabdham.pipeline.codeswitch.hallucination import GuardOptions  # noqa: E402
from nishabdham.pipeline.codeswitch.langid import LangIdOptions  # noqa: E402
from nishabdham.pipeline.decode.model import load_model  # noqa: E402
from nishabdham.pipeline.decode.request import DecodeRequest  # noqa: E402
from nishabdham.pipeline.decode.transcribe import transcribe  # noqa: E402
from nishabdham.pipeline.runner import Pipeline, PipelineOptions  # noqa: E402
from nishabdham.types import Segment  # noqa: E402


def decode_all(pipeline: Pipeline, paths: list[str], strategy: str):
    """(segments, regions, seconds) per clip, decoded with one strategy."""
    out = []
    for path in paths:
        audio = load_audio(path)
        if strategy == "native":
            planner = lambda window, language: DecodeRequest(None, multilingual=True)  # noqa: E731
        else:
            planner = pipeline._plan
        started = time.perf_counter()
        decoding = transcribe(pipeline.model, audio, pipeline.options.decode, planner)
        out.append((decoding, audio, time.perf_counter() - started))
    return out


def text_of(segments: list[Segment]) -> str:
    return " ".join(s.text for s in segments)


def naive(segments: list[Segment]) -> str:
    """The FIELD_NOTES experiment: lower-case Latin through OPTITRANS -> Telugu."""
    return sanscript.transliterate(text_of(segments).lower(), sanscript.OPTITRANS, sanscript.TELUGU)


STEPS = [
    (
        "+ restoration, spelling only",
        dict(
            glossary=False,
            snap_to_words=False,
            word_model=False,
            guard=GuardOptions(enabled=False),
            langid=LangIdOptions(telugu_prior=0.9999),
        ),
    ),
    (
        "+ real words (word list)",
        dict(
            glossary=False,
            rejoin_words=False,
            word_model=False,
            guard=GuardOptions(enabled=False),
            langid=LangIdOptions(telugu_prior=0.9999),
        ),
    ),
    (
        "+ word model (corpus frequencies)",
        dict(
            glossary=False,
            rejoin_words=False,
            guard=GuardOptions(enabled=False),
            langid=LangIdOptions(telugu_prior=0.9999),
        ),
    ),
    ("+ English words identified", dict(glossary=False, rejoin_words=False, guard=GuardOptions(enabled=False))),
    ("+ word boundaries re-joined", dict(glossary=False, guard=GuardOptions(enabled=False))),
    ("+ glossary", dict(guard=GuardOptions(enabled=False))),
    ("+ hallucination guard = full stage", dict()),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dev", default=str(ROOT.parent / "shared" / "data" / "dev"))
    parser.add_argument("--json", help="write the table as JSON")
    args = parser.parse_args()
    manifest = Path(args.dev) / "te_cv" / "manifest.jsonl"
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    paths = [str(manifest.parent / r["audio_filepath"]) for r in rows]
    refs = [r["text"] for r in rows]
    pipeline = Pipeline(PipelineOptions(), model=load_model())

    table = []

    def add(name: str, hyps: list[str], extra: str = "") -> None:
        row = {"step": name, "cer": round(cer(refs, hyps), 3), "wer": round(wer(refs, hyps), 3),
               "telugu_script_share": round(telugu_script_share(hyps), 3), "note": extra}  # fmt: skip
        table.append(row)
        print(
            f"{name:42s} CER {row['cer']:.3f}  WER {row['wer']:.3f}  Telugu script {row['telugu_script_share']:.1%}  {extra}",
            flush=True,
        )

    native = decode_all(pipeline, paths, "native")
    add("raw Whisper, native decoding (auto language)", [text_of(list(d.segments)) for d, _, _ in native])
    pivot = decode_all(pipeline, paths, "pivot")
    transcribe_s = sum(t for _, _, t in pivot)
    add("raw Whisper, pivot decoding (romanized)", [text_of(list(d.segments)) for d, _, _ in pivot])
    add("pivot + naive transliteration", [naive(list(d.segments)) for d, _, _ in pivot])
    for name, changes in STEPS:
        stage = CodeSwitcher(replace(CodeSwitchOptions(), **changes))
        pipeline.codeswitch = stage
        hyps, spent = [], 0.0
        for decoding, _audio, _ in pivot:
            started = time.perf_counter()
            segments, _ = stage.process(decoding.segments, decoding.regions, decoding.language, None)
            spent += time.perf_counter() - started
            hyps.append(text_of(segments))
        add(name, hyps, f"stage {spent:.1f} s = {spent / transcribe_s:.1%} of transcription ({transcribe_s:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(table, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
