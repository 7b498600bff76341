"""A festival reading built from dev clips, and a poem library of 20,000 lines that holds its poems (issue 22).

For one speaker fold of the dev set: the JFK clip as a host's English talk, library poems read
whole, in part (lines of the poem not read), with a line read twice and two poems back to back,
and Telugu lines that no library poem holds. The library is the corpus
(the bundled ``te_cv_sentences.txt.gz``, the same as ``../shared/data/text/te_cv_sentences.txt``; the dev
lines taken out) split into 4-line poems
as distractors, topped up to :data:`LIBRARY_LINES` with lines made of two corpus lines' halves,
plus the poems read (their unread lines are corpus lines kept out of the distractors).

Plans by fold (clip indices in the manifest's order for the speaker):

* cv_te_spkA (5 clips): host; poem ``fest/a1`` (clips 1, 2) read whole; clip 3 unlisted; poem
  ``fest/a2`` (clip 4, a corpus line, clip 0, a corpus line) read as 4, 0, 0.
* cv_te_spkC (10 clips): host; ``fest/c1`` (0, 1, 2) whole; clips 6 and 7 unlisted; host again;
  ``fest/c2`` (3, a corpus line, 4, a corpus line) read as 3, 4; right after it ``fest/c3`` (8, 5)
  read as 8, 5, 5; clip 9 unlisted.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

from tests.text_recordings import Placed, build_reading

LIBRARY_LINES = 20000
HOST = "host"
UNLISTED = "unlisted"
_PLANS = {
    "cv_te_spkA": {
        "poems": {"fest/a1": [1, 2], "fest/a2": [4, "x", 0, "x"]},
        "reading": [HOST, 1, 2, 3, 4, 0, 0],
    },
    "cv_te_spkC": {
        "poems": {"fest/c1": [0, 1, 2], "fest/c2": [3, "x", 4, "x"], "fest/c3": [8, 5]},
        "reading": [HOST, 0, 1, 2, 6, 7, HOST, 3, 4, 8, 5, 5, 9],
    },
}


@dataclass(frozen=True)
class Part:
    """A clip of the reading: what it is (``host``, ``unlisted`` or a poem id) and its line in the poem."""

    role: str
    line: int
    placed: Placed


@dataclass(frozen=True)
class Festival:
    audio: Path
    library: Path
    poems: dict[str, list[str]]
    parts: list[Part]

    @property
    def poems_read(self) -> set[str]:
        return {p.role for p in self.parts if p.role not in (HOST, UNLISTED)}


def dev_clips(dev: Path, speaker: str) -> list[tuple[Path, str]]:
    rows = [json.loads(x) for x in (dev / "te_cv" / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if x]
    return [(dev / "te_cv" / r["audio_filepath"], r["text"]) for r in rows if r["speaker"] == speaker]


def all_dev_texts(dev: Path) -> set[str]:
    rows = (dev / "te_cv" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return {json.loads(x)["text"] for x in rows if x}


def build_festival(dev: Path, corpus: Path, jfk: tuple[Path, str], speaker: str, out: Path) -> Festival:
    """Write ``out/reading.wav`` and the library ``out/library`` for ``speaker``'s fold."""
    plan, clips = _PLANS[speaker], dev_clips(dev, speaker)
    raw = corpus.read_bytes()
    text = (gzip.decompress(raw) if corpus.suffix == ".gz" else raw).decode("utf-8")
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    lines = list(dict.fromkeys(x for x in lines if x not in all_dev_texts(dev)))
    fillers = iter(lines[-8:])  # the unread lines of the poems read in part: out of the distractors
    poems = {
        poem: [clips[i][1] if i != "x" else next(fillers) for i in indices] for poem, indices in plan["poems"].items()
    }
    line_of = {i: (poem, n) for poem, indices in plan["poems"].items() for n, i in enumerate(indices) if i != "x"}
    parts, roles = [], []
    for step in plan["reading"]:
        if step == HOST:
            parts += [jfk, 1200]
            roles.append((HOST, -1))
            continue
        parts += [clips[step], 900]
        roles.append(line_of.get(step, (UNLISTED, -1)))
    placed = build_reading(parts[:-1], out / "reading.wav")
    write_library(out / "library", lines[:-8], poems)
    return Festival(out / "reading.wav", out / "library", poems, [Part(r, n, p) for (r, n), p in zip(roles, placed)])


def write_library(folder: Path, distractors: list[str], poems: dict[str, list[str]]) -> None:
    """4-line distractor poems from the corpus, topped up to LIBRARY_LINES lines, and ``poems``."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = list(distractors)
    needed = LIBRARY_LINES - len(lines) - sum(len(p) for p in poems.values())
    for i in range(max(0, needed)):  # a line made of the first half of one corpus line and the second of another
        a, b = distractors[i].split(), distractors[(7 * i + 3) % len(distractors)].split()
        lines.append(" ".join(a[: max(1, len(a) // 2)] + b[len(b) // 2 :]))
    for n in range(0, len(lines), 4):
        (folder / f"cv{n // 4:05d}.txt").write_text("\n".join(lines[n : n + 4]) + "\n", encoding="utf-8")
    for poem, text in poems.items():
        path = folder / f"{poem}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: {poem}\n---\n" + "\n".join(text) + "\n", encoding="utf-8")
