"""Small transcripts and review cues for the review UI tests (no model needed)."""

from __future__ import annotations

from nishabdham.review_ui.editing import ReviewCue, machine_cues
from nishabdham.types import Cue, Transcript, Word

LINES = [
    "కలసపాడు బ్రిడ్జిపై నుంచి నీరు ప్రవహించింది",
    "పోతన భాగవతం చదివారు",
    "this is an english line",
    "శ్రీనాథుడు కవిసార్వభౌముడు",
]


def timed_words(text: str, start_ms: int, per_word_ms: int = 500, gap_ms: int = 100) -> tuple[Word, ...]:
    words, t = [], start_ms
    for token in text.split():
        words.append(Word(t, t + per_word_ms, token, probability=0.9))
        t += per_word_ms + gap_ms
    return tuple(words)


def transcript(lines=LINES, gap_ms: int = 1000, source: str = "reading.wav") -> Transcript:
    cues, t = [], 500
    for line in lines:
        words = timed_words(line, t)
        cues.append(Cue(words[0].start_ms, words[-1].end_ms, line, second="", words=words))
        t = words[-1].end_ms + gap_ms
    return Transcript(
        source=source, duration_ms=t + 1000, language="te", language_probability=0.9, model="test", cues=tuple(cues)
    )


def cues(lines=LINES) -> tuple[ReviewCue, ...]:
    return machine_cues(transcript(lines))


# --------------------------------------------------------------------------- a reading made of dev clips


def synthetic_reading(dev_data, folder, target_ms: int, stem: str = "reading", pause_ms: int = 700):
    """A recording of Telugu dev clips one after another (repeated to ``target_ms``) and its transcript.

    The words of each clip's reference text are spread over the clip in
    proportion to their aksharas, then segmented with the pipeline's own rules;
    the second line is the ISO 15919 transliteration. Returns (audio, transcript JSON).
    """
    import json
    from pathlib import Path

    import numpy as np
    import soundfile
    from indic_transliteration import sanscript

    from nishabdham.pipeline.cues.rules import CueRules
    from nishabdham.pipeline.cues.segment import build_cues
    from nishabdham.pipeline.script import grapheme_len
    from nishabdham.types import dumps

    folder = Path(folder)
    manifest = Path(dev_data) / "te_cv" / "manifest.jsonl"
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    clips = [(soundfile.read(str(manifest.parent / r["audio_filepath"]), dtype="float32")[0], r["text"]) for r in rows]
    pause = np.zeros(16 * pause_ms, dtype=np.float32)
    pieces, words, t = [], [], 0
    while t < target_ms:
        for samples, text in clips:
            length = int(len(samples) / 16)
            lengths = [grapheme_len(w) for w in text.split()]
            at = t + 150
            span = length - 300
            for token, n in zip(text.split(), lengths):
                dur = int(span * n / sum(lengths))
                words.append(Word(at, at + max(dur - 60, 40), token, probability=0.55 + 0.4 * ((at // 7) % 10) / 10))
                at += dur
            pieces += [samples, pause]
            t += length + pause_ms
            if t >= target_ms:
                break
    audio = np.concatenate(pieces)
    duration_ms = int(len(audio) / 16)
    audio_path = folder / f"{stem}.wav"
    soundfile.write(str(audio_path), audio, 16000, subtype="PCM_16")

    def second(text: str) -> str:
        return sanscript.transliterate(text, sanscript.TELUGU, sanscript.ISO)

    cues = build_cues(words, CueRules(), duration_ms, second_line=second)
    result = Transcript(
        source=str(audio_path),
        duration_ms=duration_ms,
        language="te",
        language_probability=0.9,
        model="synthetic",
        cues=tuple(cues),
    )
    json_path = folder / f"{stem}.json"
    json_path.write_text(dumps(result), encoding="utf-8")
    return audio_path, json_path


def finished_job(settings, audio_path, transcript_path):
    """A job in the real job store, done, with ``transcript_path`` as its output (as a worker leaves it)."""
    import json
    from pathlib import Path

    from nishabdham.workers.store import JobStore, output_options

    store = JobStore.from_settings(settings)
    try:
        job, _ = store.create(audio_path, transcript_path.parent, output_options(settings), stem=transcript_path.stem)
        store.claim(job.id, "test:1", lease_ms=60_000, max_attempts=3)
        duration_ms = json.loads(Path(transcript_path).read_text(encoding="utf-8"))["duration_ms"]
        store.complete(
            job.id,
            "test:1",
            outputs=[transcript_path],
            qa={"score": 3, "issues": 2, "counts": {"cue-rules": 2}},
            timings_ms={},
            audio_ms=duration_ms,
        )
        return store.get(job.id)
    finally:
        store.close()
