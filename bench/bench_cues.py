"""Cues an editor would accept (issue 23, point 5): commas, holds into pauses, reading speed, confidence.

Runs ``python -m nishabdham transcribe`` (the real bundled model) on the dev clips of each fold and
on one "reading" per fold (that fold's clips joined with pauses of 1.2, 2.4 and 3.6 s, as a poetry
reading has between verses), then measures the subtitles it wrote:

- commas per Telugu word (line 1; target on a fold not tuned on: <= 0.15);
- cues shorter than 1.2 s that sit before a pause of 1 s or more (target 0);
- cues whose line 1 or line 2 is read faster than the rule (17 characters/s, aksharas for Telugu);
- the low-confidence flag: the share of cues flagged, and the character error rate (aksharas) of
  flagged and unflagged cues against the reference (each cue is matched to its part of the reference
  by a character alignment of the clip's cues with the clip's reference);
- which separate tracks were written (``.en.*`` must hold English only).

The low-confidence threshold is chosen on spkA (the tuning fold): ``calibrate`` prints the cue score
under which the worst fifth of spkA's cues fall. Report figures on spkC (the held-out fold).

    .venv/bin/python bench/bench_cues.py run --out /tmp/cues-after     # transcribe (a few minutes)
    .venv/bin/python bench/bench_cues.py measure /tmp/cues-after       # figures per fold, as JSON
    .venv/bin/python bench/bench_cues.py calibrate /tmp/cues-after [more runs]   # the threshold, from spkA
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEV = ROOT.parent / "shared" / "data" / "dev" / "te_cv"
FOLDS = ("spkA", "spkC")
PAUSES_S = (1.2, 2.4, 3.6)
LEAD_S = 0.5
HOLD_MS, PAUSE_MS, MAX_CPS = 1200, 1000, 17.0


def manifest_rows() -> list[dict]:
    lines = (DEV / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def fold_rows(fold: str) -> list[dict]:
    return [r for r in manifest_rows() if r["speaker"].endswith(fold)]


# --------------------------------------------------------------------------- running


def build_reading(fold: str, target: Path) -> list[dict]:
    """The fold's clips joined with pauses; returns each clip's place in the reading (ms)."""
    import numpy as np
    import soundfile

    sr, pieces, places, cursor = 16000, [np.zeros(int(LEAD_S * 16000), dtype=np.float32)], [], int(LEAD_S * 1000)
    for n, row in enumerate(fold_rows(fold)):
        samples, rate = soundfile.read(str(DEV / row["audio_filepath"]), dtype="float32")
        assert rate == sr and samples.ndim == 1, row["audio_filepath"]
        length = round(1000 * len(samples) / sr)
        places.append({"clip": Path(row["audio_filepath"]).stem, "start_ms": cursor, "end_ms": cursor + length})
        pause = np.zeros(int(PAUSES_S[n % len(PAUSES_S)] * sr), dtype=np.float32)
        pieces += [samples, pause]
        cursor += length + round(1000 * len(pause) / sr)
    soundfile.write(str(target), np.concatenate(pieces), sr, subtype="PCM_16")
    return places


def run(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for fold in FOLDS:
        clips = [str(DEV / r["audio_filepath"]) for r in fold_rows(fold)]
        reading = out / f"{fold}-reading.wav"
        places = build_reading(fold, reading)
        (out / f"{fold}-reading.places.json").write_text(json.dumps(places, indent=1), encoding="utf-8")
        for name, inputs in (("clips", clips), ("reading", [str(reading)])):
            target = out / fold / name
            command = [sys.executable, "-m", "nishabdham", "transcribe", "--no-progress", *inputs, "--out", str(target)]
            subprocess.run(command, check=True, env=env, cwd=ROOT)


# --------------------------------------------------------------------------- measuring


def cue_records(out: Path, fold: str) -> list[dict]:
    """Every cue of the fold (clips and reading), with the reference text of its clip and its next cue."""
    rows = {Path(r["audio_filepath"]).stem: r for r in fold_rows(fold)}
    records = []
    for name in ("clips", "reading"):
        for path in sorted((out / fold / name).glob("*.json")):
            if path.name.endswith(".qa.json"):
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            places = _places(out, fold, path) if name == "reading" else [{"clip": path.stem, "start_ms": 0}]
            cues = data["cues"]
            for i, cue in enumerate(cues):
                following = cues[i + 1]["start_ms"] if i + 1 < len(cues) else data["duration_ms"]
                clip = _clip_of(cue, places)
                records.append(
                    {**cue, "set": name, "file": path.stem, "clip": clip, "reference": rows[clip]["text"],
                     "pause_after_ms": following - cue["end_ms"], "transcript": data}
                )  # fmt: skip
    return records


def _places(out: Path, fold: str, path: Path) -> list[dict]:
    return json.loads((out / f"{fold}-reading.places.json").read_text(encoding="utf-8"))


def _clip_of(cue: dict, places: list[dict]) -> str:
    middle = (cue["start_ms"] + cue["end_ms"]) / 2
    return max((p for p in places if p["start_ms"] <= middle), key=lambda p: p["start_ms"], default=places[0])["clip"]


def commas_per_telugu_word(records: list[dict]) -> dict:
    from nishabdham.pipeline.script import script_counts

    words = [w for r in records for w in r["text"].split()]
    telugu = [w for w in words if script_counts(w)["Telugu"]]
    commas = sum(w.count(",") + w.count("،") for w in telugu)
    inner = [w for r in records for w in r["text"].split()[:-1] if script_counts(w)["Telugu"]]
    marked = sum(1 for w in inner if w.rstrip("\"'”’)")[-1:] in ".,;:!?…،؛؟")
    return {
        "telugu_words": len(telugu),
        "commas": commas,
        "per_word": round(commas / max(len(telugu), 1), 3),
        "marks_inside_a_cue": marked,
        "marks_inside_per_word": round(marked / max(len(telugu), 1), 3),
    }


def short_before_pause(records: list[dict]) -> dict:
    short = [r for r in records if r["pause_after_ms"] >= PAUSE_MS and r["end_ms"] - r["start_ms"] < HOLD_MS]
    before_pause = [r for r in records if r["pause_after_ms"] >= PAUSE_MS]
    return {"cues_before_pause": len(before_pause), "shorter_than_1200_ms": len(short)}


def reading_speed(records: list[dict]) -> dict:
    from nishabdham.pipeline.script import grapheme_len

    def cps(text: str, r: dict) -> float:
        return grapheme_len(text.replace("\n", " ")) / max((r["end_ms"] - r["start_ms"]) / 1000, 0.001)

    with_second = [r for r in records if r["second"]]
    return {
        "cues": len(records),
        "line1_over_17cps": sum(1 for r in records if cps(r["text"], r) > MAX_CPS),
        "cues_with_line2": len(with_second),
        "line2_over_17cps": sum(1 for r in with_second if cps(r["second"], r) > MAX_CPS),
    }


def qa_counts(out: Path, fold: str) -> dict:
    """What the QA report says (cue rules, low confidence), from the pipeline's own code."""
    from nishabdham.types import Transcript, from_jsonable

    qa_report, rules = _qa()
    totals: dict[str, int] = {}
    for name in ("clips", "reading"):
        for path in sorted((out / fold / name).glob("*.json")):
            if path.name.endswith(".qa.json"):
                continue
            transcript = from_jsonable(Transcript, json.loads(path.read_text(encoding="utf-8")))
            for kind, count in qa_report(transcript, rules).counts.items():
                totals[kind] = totals.get(kind, 0) + count
    return totals


def _qa():
    try:
        from nishabdham.pipeline.cues.qa import qa_report
        from nishabdham.pipeline.cues.rules import CueRules
    except ImportError:  # before the House moves
        from nishabdham.pipeline.qa import qa_report
        from nishabdham.pipeline.segment import CueRules
    return qa_report, CueRules()


def tracks(out: Path, fold: str) -> dict:
    import re

    names = [p.name for p in (out / fold).rglob("*.srt")]
    tags = sorted({m.group(1) for n in names if (m := re.search(r"\.([a-z]{2,3}(?:-[A-Za-z]{4})?)\.srt$", n))})
    return {"separate_tracks": [f".{tag}.srt" for tag in tags]}


def measure(out: Path) -> dict:
    figures = {}
    for fold in FOLDS:
        records = cue_records(out, fold)
        figures[fold] = {
            "commas": commas_per_telugu_word(records),
            "holds": short_before_pause(records),
            "reading_speed": reading_speed(records),
            "confidence": confidence_figures(records),
            "qa_counts": qa_counts(out, fold),
            "tracks": tracks(out, fold),
        }
    return figures


# --------------------------------------------------------------------------- confidence


def cue_errors(records: list[dict]) -> None:
    """Give each record ``cer``: its aksharas' edits against the part of its clip's reference it covers."""
    from nishabdham.evaluation.metrics import align_tokens, grapheme_tokens

    groups: dict[tuple[str, str, str], list[dict]] = {}
    for r in records:
        groups.setdefault((r["set"], r["file"], r["clip"]), []).append(r)
    for group in groups.values():
        reference = grapheme_tokens(group[0]["reference"])
        owner, hyp = [], []
        for k, r in enumerate(group):
            tokens = grapheme_tokens(r["text"]) + (["▁"] if k + 1 < len(group) else [])
            hyp += tokens
            owner += [k] * len(tokens)
        edits, lengths, position = [0] * len(group), [0] * len(group), 0
        for span in align_tokens(reference, hyp):  # token by token: a span may run over two cues
            if span.op == "delete":
                k = owner[min(position, len(owner) - 1)]
                lengths[k] += len(span.ref)
                edits[k] += len(span.ref)
            for t in range(len(span.hyp)):
                k = owner[position + t]
                lengths[k] += 1 if span.op != "insert" else 0
                edits[k] += 1 if span.op != "equal" else 0
            position += len(span.hyp)
        for k, r in enumerate(group):
            r["cer"] = edits[k] / max(lengths[k], 1)


def confidence_figures(records: list[dict]) -> dict:
    """How the low-confidence flag separates cues: share flagged, and the error rate of each side."""
    from nishabdham.types import Cue, from_jsonable

    flagged_by, score_of = _confidence()
    cue_errors(records)
    flagged, kept = [], []
    for r in records:
        cue = from_jsonable(Cue, {k: r[k] for k in Cue.__dataclass_fields__ if k in r})
        r["score"] = score_of(cue)
        (flagged if flagged_by(cue) else kept).append(r)
        r["old_flag"] = any(w["probability"] < 0.5 for w in r["words"])
    mean = lambda rs: round(sum(r["cer"] for r in rs) / len(rs), 3) if rs else None  # noqa: E731
    old = [r for r in records if r["old_flag"]]
    return {
        "cues": len(records),
        "flagged": len(flagged),
        "flagged_share": round(len(flagged) / max(len(records), 1), 3),
        "cer_flagged": mean(flagged),
        "cer_not_flagged": mean(kept),
        "old_rule_flagged": len(old),
        "old_rule_share": round(len(old) / max(len(records), 1), 3),
    }


def _confidence():
    try:
        from nishabdham.pipeline.cues.qa import QaOptions, cue_confidence, low_confidence

        options = QaOptions()
        return (lambda cue: low_confidence(cue, options)), cue_confidence
    except ImportError:  # before this change: a word under 0.5 flags the cue
        return (lambda cue: any(w.probability < 0.5 for w in cue.words)), (
            lambda cue: min((w.probability for w in cue.words), default=1.0)
        )


def calibrate(outs: list[Path], fold: str = "spkA", share: float = 0.2) -> dict:
    """The cue score under which the worst ``share`` of ``fold``'s cues fall (choose on spkA only).

    Several runs may be pooled: the decode of a stretch can differ from one run to the next.
    """
    records = [r for out in outs for r in cue_records(out, fold)]
    confidence_figures(records)
    scores = sorted(r["score"] for r in records if r["score"] is not None)
    if not scores:
        return {"fold": fold, "cues": 0}
    k = max(1, round(share * len(scores)))  # flag the k lowest: the threshold lies between the k-th and the next
    middle = (scores[k - 1] + scores[min(k, len(scores) - 1)]) / 2

    def flagged(threshold: float) -> int:
        return sum(1 for s in scores if s < threshold)

    # two decimals, the rounding that flags the share nearest the target (ties between equal scores)
    cut = min((math.floor(middle * 100) / 100, math.ceil(middle * 100) / 100), key=lambda t: abs(flagged(t) - k))
    return {
        "fold": fold,
        "cues": len(scores),
        "threshold": cut,
        "flagged": flagged(cut),
        "scores": [round(s, 3) for s in scores],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "measure", "calibrate"):
        p = sub.add_parser(name)
        if name == "run":
            p.add_argument("--out", type=Path, required=True)
        elif name == "measure":
            p.add_argument("out", type=Path)
        else:
            p.add_argument("out", type=Path, nargs="+", help="one run or several, pooled")
    args = parser.parse_args()
    if args.command == "run":
        run(args.out)
    elif args.command == "measure":
        print(json.dumps(measure(args.out), indent=1, ensure_ascii=False))
    else:
        print(json.dumps(calibrate(args.out), indent=1))


if __name__ == "__main__":
    main()
