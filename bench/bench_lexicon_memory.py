"""The Telugu lexicon's memory and lookup speed: version 5 (gzipped JSON read into dicts) against
version 6 (the mapped ``lexicon.bin``), side by side in one run.

For each form, two worker-like processes start together; once both have imported the project,
the parent reads their ``/proc/PID/smaps_rollup`` (the baseline), lets both load the lexicon and
run the same lookups, and reads it again: the difference is what the lexicon costs each process
(RSS, PSS, private and shared pages). The mapped form then reads every page of its file, so the
figure is the most it can cost. Each process also times the lookups the restorer makes (fresh
caches): word membership and flags, the words of a skeleton, the skeletons near a key, the
character model, and whole restorations of romanized words. Last, both forms are loaded in the
parent and timed in turns, the best of ``--rounds`` each (fairer on a busy machine).

The version-5 file is read from ``<models>/telugu-lexicon-v5/lexicon.json.gz`` when an older
installation left it there; otherwise it is written (with the code version 5 had, kept below)
from the tables built from the installed word list, which takes a minute or two.

    .venv/bin/python bench/bench_lexicon_memory.py [--v5 FILE]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nishabdham.pipeline.codeswitch.lexicon import (  # noqa: E402
    LEXICON_DIRNAME,
    CharModel,
    LexiconTables,
    build_lexicon,
    load_lexicon,
)
from nishabdham.pipeline.decode.model import default_models_dir  # noqa: E402

_SEP = "\x1f"


# --------------------------------------------------------------------------- version 5, as it was


def v5_to_json(lexicon: LexiconTables) -> dict:
    model = lexicon.model
    return {
        "format": "nishabdham-telugu-lexicon/5",
        "words": lexicon.iso_to_word,
        "curated": sorted(lexicon.curated),
        "in_both": sorted(lexicon.in_both),
        "function_words": sorted(lexicon.function_words),
        "by_skeleton": lexicon.by_skeleton,
        "char_model": {
            "order": model.order,
            "vocab": sorted(model.vocab),
            "table": {_SEP.join(ctx): nexts for ctx, (nexts, _, _) in model.table.items()},
        },
    }


def v5_load(path: Path) -> LexiconTables:
    """Version 5's ``load_lexicon``: the whole file into dicts and sets."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    cm = data["char_model"]
    model = CharModel(int(cm["order"]))
    del model.counts
    model.vocab = set(cm["vocab"])
    model.table = {}
    for key, nexts in cm["table"].items():
        model.table[tuple(key.split(_SEP)) if key else ()] = (nexts, sum(nexts.values()), len(nexts))
    model._uniform = 1.0 / max(len(model.vocab), 1)
    model.prob = lru_cache(maxsize=1 << 18)(model._prob)
    by_skeleton = data["by_skeleton"]
    buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
    for key in by_skeleton:
        if key:
            buckets[(key[0], len(key))].append(key)
    return LexiconTables(
        data["words"],
        set(data["curated"]),
        set(data["in_both"]),
        set(data["function_words"]),
        by_skeleton,
        dict(buckets),
        model,
    )


def ensure_v5(path: Path | None) -> Path:
    default = default_models_dir() / "telugu-lexicon-v5" / "lexicon.json.gz"
    path = path or default
    if path.is_file():
        return path
    from nishabdham.pipeline.codeswitch.lm import corpus_sentences

    path = Path(tempfile.mkdtemp(prefix="lexicon-v5-")) / "lexicon.json.gz"
    corpus = sorted({w for words in corpus_sentences() for w in words})
    tables = build_lexicon(default_models_dir() / LEXICON_DIRNAME / "words.txt.gz", corpus)
    text = json.dumps(v5_to_json(tables), ensure_ascii=False, separators=(",", ":"))
    path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=5))
    return path


# --------------------------------------------------------------------------- one worker-like process


def time_lookups(lexicon, queries: dict, lm) -> dict[str, float]:
    """Microseconds per query, caches fresh: the queries the restorer makes, and whole restorations."""
    from nishabdham.pipeline.codeswitch.restore import Restorer
    from nishabdham.pipeline.telugu import units

    def per_query(items: list, ask) -> float:
        started = time.perf_counter()
        for item in items:
            ask(item)
        return round((time.perf_counter() - started) / len(items) * 1e6, 2)

    model = lexicon.model
    model.prob.cache_clear()
    restorer = Restorer(lexicon, lm=lm)
    flags = lambda w: (w in lexicon, w in lexicon.curated, w in lexicon.in_both, w in lexicon.function_words)  # noqa: E731
    return {
        "word_and_flags_us": per_query(queries["words"], flags),
        "words_with_skeleton_us": per_query(queries["skeletons"], lexicon.words_with_skeleton),
        "near_skeletons_us": per_query(queries["near"], lambda k: lexicon.near_skeletons(k, 1 if len(k) < 7 else 2)),
        "char_model_word_us": per_query(queries["model"], lambda w: model.logprob(units(w))),
        "restore_word_us": per_query(queries["romanized"], restorer.restore),
    }


def child(form: str, v5: str, queries_path: str) -> None:
    from nishabdham.pipeline.codeswitch.lm import load_lm
    from nishabdham.pipeline.codeswitch.restore import Restorer  # noqa: F401 - imported before the baseline

    queries = json.loads(Path(queries_path).read_text(encoding="utf-8"))
    lm = load_lm(str(default_models_dir()))
    print("imported", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    lexicon = v5_load(Path(v5)) if form == "json-v5" else load_lexicon(str(default_models_dir()))
    load_s = round(time.perf_counter() - started, 2)
    timings = time_lookups(lexicon, queries, lm)
    if form == "mapped-v6":  # every page of the file read: the most the mapped form can cost
        data = lexicon.words._data
        sum(data[i] for i in range(0, len(data), 4096))
    print(json.dumps({"load_s": load_s, **timings}), flush=True)
    sys.stdin.readline()


# --------------------------------------------------------------------------- the parent


def rollup(pid: int) -> dict[str, int]:
    """``/proc/PID/smaps_rollup`` in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return fields


def memory_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, float]:
    def mib(*names: str) -> float:
        return round(sum(after.get(n, 0) - before.get(n, 0) for n in names) / 1024, 1)

    return {
        "rss_mib": mib("Rss"),
        "pss_mib": mib("Pss"),
        "private_mib": mib("Private_Clean", "Private_Dirty"),
        "shared_mib": mib("Shared_Clean", "Shared_Dirty"),
    }


def make_queries(path: Path) -> None:
    from nishabdham.pipeline.codeswitch.restore import normalize_latin

    lexicon = load_lexicon(str(default_models_dir()))
    words = lexicon.words.span(0, len(lexicon.words))
    keys = [k for k in lexicon.skeletons.span(0, len(lexicon.skeletons)) if k]
    rng = random.Random(20)
    present = rng.sample(words, 10000)
    queries = {
        "words": present + [w + "q" for w in rng.sample(words, 10000)],
        "skeletons": rng.sample(keys, 5000),
        "near": rng.sample(keys, 300),
        "model": rng.sample(words, 3000),
        "romanized": [normalize_latin(w) for w in rng.sample(words, 150)],
    }
    path.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")


def measure(form: str, v5: Path, queries: Path) -> dict:
    command = [sys.executable, __file__, "--child", form, "--v5", str(v5), "--queries", str(queries)]
    procs = [subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "imported"
        before = [rollup(proc.pid) for proc in procs]
        for proc in procs:
            proc.stdin.write("\n")
            proc.stdin.flush()
        results = [json.loads(proc.stdout.readline()) for proc in procs]
        after = [rollup(proc.pid) for proc in procs]
        for proc in procs:
            proc.stdin.write("\n")
            proc.stdin.flush()
    finally:
        for proc in procs:
            proc.wait(timeout=120)
    return {
        "form": form,
        "each_process": [memory_delta(b, a) for b, a in zip(before, after)],
        "two_processes_pss_mib": round(sum(memory_delta(b, a)["pss_mib"] for b, a in zip(before, after)), 1),
        "lookups": results,
    }


def interleaved_speed(v5: Path, queries_path: Path, rounds: int) -> dict:
    """Both forms in this one process, timed in turns (fresh caches each time): the best of ``rounds``."""
    from nishabdham.pipeline.codeswitch.lm import load_lm

    queries = json.loads(queries_path.read_text(encoding="utf-8"))
    lm = load_lm(str(default_models_dir()))
    forms = {"json-v5": v5_load(v5), "mapped-v6": load_lexicon(str(default_models_dir()))}
    best: dict[str, dict[str, float]] = {}
    for _ in range(rounds):
        for form, lexicon in forms.items():
            if form == "mapped-v6":
                lexicon.number.cache_clear()
                lexicon.bucket.cache_clear()
            timings = time_lookups(lexicon, queries, lm)
            best[form] = {k: min(v, best.get(form, {}).get(k, v)) for k, v in timings.items()}
    return {"interleaved_best_of": rounds, **best}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--v5", type=Path, help="a version-5 lexicon.json.gz (default: the installed one, or built)")
    parser.add_argument("--child", choices=("json-v5", "mapped-v6"), help=argparse.SUPPRESS)
    parser.add_argument("--queries", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=3, help="turns of the in-process speed comparison")
    args = parser.parse_args()
    if args.child:
        child(args.child, str(args.v5), args.queries)
        return
    v5 = ensure_v5(args.v5)
    with tempfile.TemporaryDirectory(prefix="lexicon-bench-") as folder:
        queries = Path(folder) / "queries.json"
        make_queries(queries)
        for form in ("json-v5", "mapped-v6"):
            print(json.dumps(measure(form, v5, queries)), flush=True)
        print(json.dumps(interleaved_speed(v5, queries, args.rounds)), flush=True)


if __name__ == "__main__":
    main()
