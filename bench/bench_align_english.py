"""Known text: invented English inside a line (issue 20), on real decodes of one speaker fold.

Whisper base writes English that nobody said inside a Telugu line ("On the day ... of the month"
in one held-out reading, as words of no length). The aligner sets such English aside
(``placement.ENGLISH_SPAN_WEIGHT``); this bench is where that weight is chosen, on the tuning fold.

Each reading of bench/bench_align.py is decoded once with its text (pinned CPU kernels,
docs/DETERMINISM.md). Then, for every line placed and every boundary between two heard words of
its stretch, one of Whisper's known invented lines (the English ones of
nishabdham/pipeline/data/junk_phrases.txt) is put there as English words of no length, and the
text is aligned again. Reported per weight: the cases where a text cue's start or end moved more
than 250 ms from the unperturbed alignment's (``moved``), and the mean end error of the
perturbed lines against their voice's end. Against swallowing a real comment: the JFK clip's
words (400 ms each) put at the same boundaries; ``swallowed`` counts the cases where a line's
stretch takes them in.

    .venv/bin/python bench/bench_align_english.py --speaker cv_te_spkA [--weights 0,0.25,0.5,1] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from nishabdham.evaluation.devset import pin_kernels  # noqa: E402

pin_kernels()

from bench_align import scenarios  # noqa: E402

from nishabdham.pipeline.cues.segment import clean_words  # noqa: E402
from nishabdham.pipeline.known_text import align, placement  # noqa: E402
from nishabdham.pipeline.known_text.verse import parse_text  # noqa: E402
from nishabdham.types import Segment, Word  # noqa: E402
from tests.text_recordings import build_reading  # noqa: E402

MOVED_MS = 250
COMMENT_WORD_MS = 400


def invented_lines() -> list[str]:
    path = ROOT / "nishabdham" / "pipeline" / "data" / "junk_phrases.txt"
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#") and line.isascii()]


def decode(dev: Path, speaker: str) -> list[dict]:
    """Each reading's inputs to ``text_cues`` (captured from the pipeline) and where its clips lie."""
    from nishabdham.pipeline import runner

    captured: dict = {}
    original = runner.text_cues

    def spy(*args, **kwargs):
        captured.update(args=args, kwargs=kwargs)
        return original(*args, **kwargs)

    runner.text_cues = spy
    pipeline, out = runner.Pipeline(), []
    with tempfile.TemporaryDirectory() as tmp:
        for name, parts, text in scenarios(dev, speaker):
            wav = Path(tmp) / f"{name}.wav"
            placed = build_reading(parts, wav)
            pipeline.run(wav, text=parse_text(text))
            intro = parts[0][1] if "intro" in name else None
            out.append({"name": name, "placed": [p for p in placed if p.text != intro], **captured})
    runner.text_cues = original
    return out


def english_words(phrase: str, at_ms: int, word_ms: int) -> list[Word]:
    return [
        Word(at_ms + i * word_ms, at_ms + (i + 1) * word_ms, w, 0.5, "", "en", "Latin")
        for i, w in enumerate(phrase.split())
    ]


def inserted(heard: list[Word], at: int, phrase: str, word_ms: int) -> list[Word]:
    """``heard`` with ``phrase`` as English words before heard word ``at`` (later words moved on)."""
    at_ms = heard[at - 1].end_ms
    extra = english_words(phrase, at_ms, word_ms)
    shift = len(extra) * word_ms
    later = [replace(w, start_ms=w.start_ms + shift, end_ms=w.end_ms + shift) for w in heard[at:]]
    return heard[:at] + extra + later


def text_edges(args, kwargs, heard: list[Word]) -> list[tuple[int, int]]:
    segment = Segment(heard[0].start_ms, heard[-1].end_ms, "", tuple(heard))
    cues, _ = align.text_cues(args[0], [segment], *args[2:], **kwargs)
    return [(c.start_ms, c.end_ms) for c in cues if c.origin == "text"]


def boundaries(reading: dict, heard: list[Word]) -> list[tuple[int, int]]:
    """(line's match index, heard word index) for every boundary inside a placed line's stretch."""
    alignment = align.align_text(reading["args"][0], heard)
    return [(i, k) for i, m in enumerate(alignment.matches) for k in range(m.first + 1, m.last)]


def end_error(cues: list[tuple[int, int]], placed) -> list[int]:
    errors = []
    for clip in placed:
        inside = [c for c in cues if min(c[1], clip.end_ms) - max(c[0], clip.start_ms) > 0.5 * (c[1] - c[0])]
        if inside:
            errors.append(abs(inside[-1][1] - clip.speech_end_ms))
    return errors


def evaluate(readings: list[dict]) -> dict:
    phrases, comment = invented_lines(), (ROOT / "samples" / "en_jfk" / "transcript.txt").read_text().strip()
    cases = moved = swallowed = comments = 0
    ends: list[int] = []
    for reading in readings:
        args, kwargs = reading["args"], reading["kwargs"]
        heard = clean_words([w for s in args[1] for w in s.words], args[3])
        base = text_edges(args, kwargs, heard)
        for _, at in boundaries(reading, heard):
            for phrase in phrases:
                edges = text_edges(args, kwargs, inserted(heard, at, phrase, 0))
                cases += 1
                same = len(edges) == len(base)
                moved += not same or any(
                    abs(a - c) > MOVED_MS or abs(b - d) > MOVED_MS for (a, b), (c, d) in zip(edges, base)
                )
                ends.extend(end_error(edges, reading["placed"]))
            words = inserted(heard, at, comment, COMMENT_WORD_MS)
            extra = range(at, at + len(comment.split()))
            matches = align.align_text(args[0], words).matches
            comments += 1
            swallowed += any(m.first <= extra[0] and extra[-1] < m.last for m in matches)
    return {
        "cases": cases,
        "moved": moved,
        "end_error_s": round(sum(ends) / max(len(ends), 1) / 1000, 3),
        "comments": comments,
        "swallowed": swallowed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", default=str(ROOT.parent / "shared" / "data" / "dev"))
    parser.add_argument("--speaker", default="cv_te_spkA")
    parser.add_argument("--weights", default="0,0.25,0.5,0.75,1")
    parser.add_argument("--json")
    args = parser.parse_args()
    readings = decode(Path(args.dev), args.speaker)
    results = {}
    for weight in [float(w) for w in args.weights.split(",")]:
        placement.ENGLISH_SPAN_WEIGHT = weight
        results[str(weight)] = evaluate(readings)
        print(weight, json.dumps(results[str(weight)]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
