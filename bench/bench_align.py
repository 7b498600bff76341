"""Known text (issue 14): alignment accuracy and cost on readings built from dev clips.

For one speaker fold of the dev set, builds readings from its clips (trimmed, joined
with pauses): a stanza (every clip, a stanza break in the middle), and a reading with an
English introduction (the JFK clip), a line read twice and a line of the text skipped.
Each is transcribed with its text (the clips' references); reports CER of the text cues
against the references, cue start/end error against where each clip's voice starts and ends
(``start_error_s``/``end_error_s``: tests/text_recordings.py's speech edges, measured on the
clip's own sound) and against the build times (``build_*``: the trim, which on two cv_te_spkA
clips keeps a click and room noise, or a chime, before or after the voice), whether the skipped
and repeated lines were reported and the introduction transcribed, and the alignment's
share of the transcription time.

    .venv/bin/python bench/bench_align.py --speaker cv_te_spkC [--dev ../shared/data/dev] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nishabdham.evaluation.metrics import cer  # noqa: E402
from nishabdham.pipeline.known_text.verse import parse_text  # noqa: E402
from nishabdham.pipeline.runner import Pipeline  # noqa: E402
from tests.text_recordings import build_reading  # noqa: E402


def rows_of(dev: Path, speaker: str) -> list[tuple[Path, str]]:
    rows = [json.loads(line) for line in (dev / "te_cv" / "manifest.jsonl").read_text().splitlines() if line]
    return [(dev / "te_cv" / r["audio_filepath"], r["text"]) for r in rows if r["speaker"] == speaker]


def scenarios(dev: Path, speaker: str) -> list[tuple[str, list, str]]:
    """(name, parts, text) of each reading built for ``speaker``."""
    clips = rows_of(dev, speaker)
    jfk = (dev / "en_jfk" / "jfk.flac", (dev / "en_jfk" / "transcript.txt").read_text().strip())
    half = len(clips) // 2
    stanza = [p for clip in clips for p in (clip, 700)]
    stanza_text = "\n".join(t for _, t in clips[:half]) + "\n\n" + "\n".join(t for _, t in clips[half:])
    a, b, c, d = clips[:4]
    mixed = [jfk, 1200, a, 800, b, 800, b, 800, d]
    mixed_text = "\n".join(t for _, t in (a, b, c, d))
    return [("stanza", stanza, stanza_text), ("intro+repeat+skip", mixed, mixed_text)]


def synthetic(folder: Path, corpus: Path, count: int, seed: int) -> list[tuple[str, list, str]]:
    """A reading the aligner was never tuned on: corpus sentences spoken by espeak-ng's Telugu voice.

    An English introduction (espeak-ng's English voice), then ``count`` lines with the second read
    twice; the text has one more line that is not read.
    """
    import random
    import subprocess

    sentences = [s for s in corpus.read_text(encoding="utf-8").splitlines() if 3 <= len(s.split()) <= 7]
    chosen = random.Random(seed).sample(sentences, count + 1)

    def speak(text: str, voice: str, name: str) -> tuple[Path, str]:
        path = folder / f"{name}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(path), text], check=True)
        return path, text

    intro = speak("This is a reading of a poem from the collection.", "en", "intro")
    lines = [speak(text, "te", f"line{i}") for i, text in enumerate(chosen[:count])]
    parts: list = [intro, 1000]
    for i, line in enumerate(lines):
        parts += [line, 900] + ([line, 900] if i == 1 else [])
    text = "\n".join(chosen[: count // 2] + [chosen[count]] + chosen[count // 2 : count])
    return [(f"espeak seed {seed}", parts[:-1], text)]


def score(transcript, placed, intro: str | None) -> dict:
    text_cues = [c for c in transcript.cues if c.origin == "text"]
    refs, hyps, start_err, end_err, word_end_err, build_start, build_end = [], [], [], [], [], [], []
    for clip in placed:
        if clip.text == intro:
            continue
        inside = [c for c in text_cues if c.start_ms < clip.end_ms and c.end_ms > clip.start_ms]
        inside = [
            c for c in inside if min(c.end_ms, clip.end_ms) - max(c.start_ms, clip.start_ms) > 0.5 * c.duration_ms
        ]
        refs.append(clip.text)
        hyps.append(" ".join(c.text for c in inside))
        if inside:
            start_err.append(abs(inside[0].start_ms - clip.speech_start_ms))
            end_err.append(abs(inside[-1].end_ms - clip.speech_end_ms))
            word_end_err.append(abs(inside[-1].words[-1].end_ms - clip.speech_end_ms))
            build_start.append(abs(inside[0].start_ms - clip.start_ms))
            build_end.append(abs(inside[-1].end_ms - clip.end_ms))
    heard = [c.text for c in transcript.cues if c.origin == "heard"]
    t = transcript.timings_ms
    return {
        "lines": len(refs),
        "placed": sum(1 for h in hyps if h),
        "cer": round(cer(refs, hyps), 4),
        "start_error_s": _mean_s(start_err),
        "end_error_s": _mean_s(end_err),
        "last_word_end_error_s": _mean_s(word_end_err),
        "build_start_error_s": _mean_s(build_start),
        "build_end_error_s": _mean_s(build_end),
        "skipped": transcript.alignment.get("skipped"),
        "repeated": transcript.alignment.get("repeated"),
        "heard": heard,
        "align_ms": t.get("align", 0),
        "align_share": round(t.get("align", 0) / max(sum(t.values()) - t.get("align", 0), 1), 4),
        "misses": [(r, h) for r, h in zip(refs, hyps) if r != h],
    }


def _mean_s(errors_ms: list[int]) -> float:
    return round(sum(errors_ms) / max(len(errors_ms), 1) / 1000, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", default=str(ROOT.parent / "shared" / "data" / "dev"))
    parser.add_argument("--speaker", default="cv_te_spkC")
    parser.add_argument("--synthetic", type=int, default=0, metavar="SEEDS", help="espeak-ng readings instead")
    parser.add_argument("--json")
    args = parser.parse_args()
    dev = Path(args.dev)
    pipeline = Pipeline()
    results = {}
    corpus = dev.parent / "text" / "te_cv_sentences.txt"
    with tempfile.TemporaryDirectory() as tmp:
        readings = (
            [r for seed in range(args.synthetic) for r in synthetic(Path(tmp), corpus, 4, seed)]
            if args.synthetic
            else scenarios(dev, args.speaker)
        )
        for name, parts, text in readings:
            wav = Path(tmp) / f"{name}.wav"
            placed = build_reading(parts, wav)
            intro = parts[0][1] if "intro" in name or "espeak" in name else None
            transcript = pipeline.run(wav, text=parse_text(text))
            results[name] = score(transcript, placed, intro)
            print(name, json.dumps(results[name], ensure_ascii=False), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
