"""The poem library (issue 22): identification on a festival reading built from dev clips, and its cost.

For each speaker fold given, builds the festival reading of tests/library_readings.py (the JFK
clip as an English host, library poems read whole, in part, with a line read twice and two
poems back to back, Telugu lines that no poem holds) and its library of 20,000 lines (the
corpus as 4-line distractor poems, plus the poems read), then transcribes it with
``--library`` and reports:

* identification precision and recall (poems found against poems read);
* CER of the library poems' lines: what the subtitles show over each line read, against its text;
* false replacements: cues from the library over an unlisted line or the host's talk;
* whether the host's talk stayed English (every cue over it heard, and in Latin letters);
* index build time (fresh) and load time (kept); identification CPU time per hour of audio (the
  heard words repeated to an hour, identified again) against the transcription's CPU time per
  hour (process CPU time, every decoding thread counted: wall times mean little on a shared
  machine).

``--sweep`` also re-identifies the fold's transcript under a grid of the decision constants
(the pipeline's decode is not run again) and prints each setting's recall and false
replacements: choose on cv_te_spkA, report on cv_te_spkC.

    .venv/bin/python bench/bench_library.py --speaker cv_te_spkA --speaker cv_te_spkC [--sweep] [--json OUT]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nishabdham.evaluation.metrics import cer, telugu_script_share  # noqa: E402
from nishabdham.pipeline.cues.segment import clean_words  # noqa: E402
from nishabdham.pipeline.known_text import identify as identify_module  # noqa: E402
from nishabdham.pipeline.known_text.identify import identify  # noqa: E402
from nishabdham.pipeline.known_text.index import load_index  # noqa: E402
from nishabdham.pipeline.known_text.library import read_library  # noqa: E402
from nishabdham.pipeline.known_text.library_cues import SearchableLibrary, parse_library_origin  # noqa: E402
from nishabdham.pipeline.runner import Pipeline  # noqa: E402
from tests.library_readings import HOST, UNLISTED, Festival, build_festival  # noqa: E402

SLACK_MS = 300


def over(cues, placed) -> list:
    """The cues with most of their time inside a clip (widened by SLACK_MS)."""
    start, end = placed.start_ms - SLACK_MS, placed.end_ms + SLACK_MS
    return [c for c in cues if min(c.end_ms, end) - max(c.start_ms, start) > 0.5 * max(c.duration_ms, 1)]


def score(festival: Festival, cues, found_ids: list[str]) -> dict:
    """Identification, CER of the poems' lines, false replacements, English kept."""
    read = festival.poems_read
    right = [p for p in found_ids if p in read]
    refs, hyps, false, english = [], [], 0, []
    for part in festival.parts:
        shown = over(cues, part.placed)
        from_library = [c for c in shown if parse_library_origin(c.origin)]
        if part.role in (HOST, UNLISTED):
            false += len(from_library)
            if part.role == HOST:
                text = " ".join(c.text for c in shown)
                english.append(not from_library and bool(text) and telugu_script_share(text) < 0.1)
            continue
        refs.append(festival.poems[part.role][part.line])
        hyps.append(" ".join(c.text for c in shown))
    return {
        "poems_read": sorted(read),
        "poems_found": found_ids,
        "precision": round(len(right) / len(found_ids), 3) if found_ids else 1.0,
        "recall": round(len(set(right)) / len(read), 3),
        "lines_cer": round(cer(refs, hyps), 4),
        "false_replacements": false,
        "english_kept": all(english),
    }


def hour_of(heard: list, duration_ms: int) -> list:
    """The heard words repeated (shifted in time) to an hour of audio."""
    out, offset = [], 0
    while offset < 3_600_000:
        out += [replace(w, start_ms=w.start_ms + offset, end_ms=w.end_ms + offset) for w in heard]
        offset += duration_ms
    return out


def run_fold(pipeline: Pipeline, dev: Path, corpus: Path, speaker: str, folder: Path, sweep: bool) -> dict:
    jfk = (dev / "en_jfk" / "jfk.flac", (dev / "en_jfk" / "transcript.txt").read_text().strip())
    festival = build_festival(dev, corpus, jfk, speaker, folder)
    started = time.perf_counter()
    library, problems = read_library(festival.library)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    index = load_index(library, folder / "index-cache")  # built and kept
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    index = load_index(library, folder / "index-cache")  # loaded
    load_s = time.perf_counter() - started
    searchable = SearchableLibrary(library, index)
    started, cpu = time.perf_counter(), time.process_time()
    transcript = pipeline.run(festival.audio, library=searchable)
    run_s, run_cpu = time.perf_counter() - started, time.process_time() - cpu
    report = transcript.alignment["library"]
    found_ids = [p["id"] for p in report["found"]]
    result = {"speaker": speaker, "duration_s": transcript.duration_ms / 1000, "library_lines": library.line_count}
    result["library_problems"] = len(problems)
    result.update(score(festival, transcript.cues, found_ids))
    heard = clean_words([w for s in transcript.segments for w in s.words], transcript.duration_ms)
    cpu = time.process_time()
    identify(heard, library, index)
    identify_cpu = time.process_time() - cpu
    cpu = time.process_time()
    identify(hour_of(heard, transcript.duration_ms + 1000), library, index)
    hour_cpu = time.process_time() - cpu
    per_hour = 3600 / result["duration_s"]
    transcription_cpu = run_cpu - identify_cpu  # every thread of the decode counts (process CPU time)
    result.update(
        {
            "library_read_s": round(read_s, 2),
            "index_build_s": round(build_s, 2),
            "index_load_s": round(load_s, 2),
            "pipeline_wall_s": round(run_s, 1),
            "library_stage_wall_s": transcript.timings_ms.get("library", 0) / 1000,
            "identify_cpu_s": round(identify_cpu, 2),
            "transcription_cpu_s": round(transcription_cpu, 1),
            "identify_cpu_per_hour_s": round(hour_cpu, 1),
            "transcription_cpu_per_hour_s": round(transcription_cpu * per_hour, 1),
            "identify_share": round(hour_cpu / (transcription_cpu * per_hour), 4),
        }
    )
    if sweep:
        result["sweep"] = sweep_constants(festival, transcript, searchable, pipeline)
    return result


GRID = {
    "MIN_EVIDENCE": (8.0, 12.0, 16.0, 24.0),
    "MAX_RIVAL_SHARE": (0.5, 0.6, 0.7),
    "MIN_LINE_CONFIDENCE": (0.5, 0.6, 0.7),
}


def sweep_constants(festival: Festival, transcript, searchable: SearchableLibrary, pipeline: Pipeline) -> list[dict]:
    """Recall and false replacements under each setting of the decision constants (same transcript)."""
    from nishabdham.pipeline.known_text.library_cues import library_cues

    rows, saved = [], {name: getattr(identify_module, name) for name in GRID}
    try:
        for values in itertools.product(*GRID.values()):
            for name, value in zip(GRID, values):
                setattr(identify_module, name, value)
            cues, report = library_cues(
                searchable, transcript.segments, pipeline.options.segment.rules, transcript.duration_ms
            )
            row = dict(zip(GRID, values))
            row.update(score(festival, cues, [p["id"] for p in report["library"]["found"]]))
            rows.append({k: row[k] for k in (*GRID, "precision", "recall", "lines_cer", "false_replacements")})
    finally:
        for name, value in saved.items():
            setattr(identify_module, name, value)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speaker", action="append", default=[], help="dev fold (repeatable)")
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "data" / "dev")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "data" / "text" / "te_cv_sentences.txt")
    parser.add_argument("--sweep", action="store_true", help="re-identify under a grid of the decision constants")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    pipeline = Pipeline()
    results = []
    for speaker in args.speaker or ["cv_te_spkC"]:
        with tempfile.TemporaryDirectory(prefix="bench-library-") as folder:
            result = run_fold(pipeline, args.dev, args.corpus, speaker, Path(folder), args.sweep)
        results.append(result)
        print(json.dumps({k: v for k, v in result.items() if k != "sweep"}, ensure_ascii=False), flush=True)
        for row in result.get("sweep", []):
            print("  sweep", json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
