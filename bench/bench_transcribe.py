"""Speed and memory of `nishabdham transcribe` against bare faster-whisper.

In one run, on the same recording (dev clips joined with pauses) and the same model:

  (a) bare ``faster_whisper.WhisperModel.transcribe`` in this process, the generator consumed,
      with the decoding the pipeline uses (English token with the romanized-Telugu prompt,
      beam 5, word timestamps, Silero VAD, no conditioning on previous text, the same
      hallucination safeguards);
  (a') bare faster-whisper with its defaults (language detected, conditioning on) for reference;
  (b) ``nishabdham transcribe FILE --out DIR`` as a separate process: start-up, model load,
      normalization, transcription, code-switch post-processing and writing, all included;
      it decodes its windows side by side, one CTranslate2 worker per core;
  (b') the same with ``NISHABDHAM_DECODE_WORKERS=1`` (one window at a time, as bare does), to
      show what the pipeline's own stages cost.

The ratio b/a is printed (target <= 1.10 on 5 minutes), and the peak RSS of (b) on a long
recording (target <= 1.5 GB on 60 minutes). The machine is shared: (a) and (b) alternate.

    .venv/bin/python bench/bench_transcribe.py [--minutes 5] [--repeat 2] [--long-minutes 60]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nishabdham.pipeline.audio import load_audio  # noqa: E402
from nishabdham.pipeline.codeswitch import PIVOT_PROMPT  # noqa: E402
from nishabdham.pipeline.decode.model import bundled_model_dir  # noqa: E402


def make_recording(dev: Path, minutes: float, target: Path) -> Path:
    """Dev clips (Telugu and English) joined with 0.8-2 s pauses, repeated to ``minutes``."""
    import soundfile

    manifest = dev / "te_cv" / "manifest.jsonl"
    clips = [
        manifest.parent / json.loads(line)["audio_filepath"]
        for line in manifest.read_text().splitlines()
        if line.strip()
    ]
    clips.append(dev / "en_jfk" / "jfk.flac")
    pieces = [load_audio(c).samples for c in clips]
    rng = np.random.default_rng(7)
    total, out = int(minutes * 60 * 16000), []
    size, i = 0, 0
    while size < total:
        piece = pieces[i % len(pieces)]
        pause = np.zeros(int(rng.uniform(0.8, 2.0) * 16000), dtype=np.float32)
        out += [piece, pause]
        size += len(piece) + len(pause)
        i += 1
    soundfile.write(str(target), np.concatenate(out)[:total], 16000, subtype="PCM_16")
    return target


def bare(path: Path, pipeline_like: bool) -> float:
    from faster_whisper import WhisperModel

    model = WhisperModel(str(bundled_model_dir()), device="cpu", compute_type="int8")
    kwargs = dict(beam_size=5, word_timestamps=True, vad_filter=True)
    if pipeline_like:  # the decoding the pipeline asks for, safeguards included
        kwargs.update(
            language="en",
            initial_prompt=PIVOT_PROMPT,
            condition_on_previous_text=False,
            hallucination_silence_threshold=2.0,
        )
    started = time.perf_counter()
    segments, _ = model.transcribe(str(path), **kwargs)
    for _ in segments:
        pass
    return time.perf_counter() - started


def cli(path: Path, workers: int = 0) -> tuple[float, int]:
    """Wall time and peak RSS (bytes) of one `nishabdham transcribe` process."""
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    cmd = [str(Path(sys.executable).parent / "nishabdham"), "transcribe", str(path), "--out", str(out), "--no-progress"]
    env = {**os.environ, "NISHABDHAM_DECODE_WORKERS": str(workers)}
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"nishabdham transcribe failed with status {status}")
    return elapsed, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dev", default=str(ROOT.parent / "shared" / "data" / "dev"))
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--long-minutes", type=float, default=60.0, help="0 skips the memory run")
    parser.add_argument("--long-only", action="store_true", help="only the memory run on the long recording")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-transcribe-"))
    if args.long_only:
        return long_run(Path(args.dev), args.long_minutes, work)
    short = make_recording(Path(args.dev), args.minutes, work / "short.wav")
    print(f"recording: {args.minutes:g} min, cpu count {os.cpu_count()}, load {os.getloadavg()[0]:.1f}", flush=True)
    a_times, b_times, b1_times, rss = [], [], [], []
    for round_ in range(args.repeat):
        a_times.append(bare(short, pipeline_like=True))
        elapsed, peak = cli(short)
        b_times.append(elapsed)
        rss.append(peak)
        b1_times.append(cli(short, workers=1)[0])
        print(
            f"round {round_ + 1}: bare {a_times[-1]:.1f} s, nishabdham {elapsed:.1f} s (peak RSS {peak / 2**20:.0f} MB), "
            f"one window at a time {b1_times[-1]:.1f} s",
            flush=True,
        )
    reference = bare(short, pipeline_like=False)
    a, b, b1 = min(a_times), min(b_times), min(b1_times)
    print(f"bare faster-whisper, same decoding (a): {a:.1f} s = {a / (args.minutes * 60):.2f} x real time")
    print(f"bare faster-whisper, its defaults (a'): {reference:.1f} s")
    print(f"nishabdham transcribe (b):               {b:.1f} s, peak RSS {max(rss) / 2**20:.0f} MB")
    print(f"nishabdham, one window at a time (b'):   {b1:.1f} s")
    print(f"ratio b/a = {b / a:.3f}  (target <= 1.10); b'/a = {b1 / a:.3f}")
    if args.long_minutes:
        long_run(Path(args.dev), args.long_minutes, work)


def long_run(dev: Path, minutes: float, work: Path) -> None:
    """Peak memory of ``nishabdham transcribe`` on a long recording (target <= 1.5 GB on 60 minutes)."""
    long = make_recording(dev, minutes, work / "long.wav")
    elapsed, peak = cli(long)
    print(f"{minutes:g} min recording: {elapsed:.0f} s, peak RSS {peak / 2**30:.2f} GB  (target <= 1.5 GB)")


if __name__ == "__main__":
    main()
