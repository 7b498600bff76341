"""The poem library in the review UI (issue 22): upload a text, search, where poems were found, reject a match.

Page logic only (no Streamlit here; ``views/library.py`` draws it). A rejected match puts the
heard words back in the cue (origin ``heard``) and appends a row to
``<data_dir>/evalsets/library-rejections/manifest.jsonl``: the recording, the cue's times, the
poem and line that were wrongly matched, the library text, what was heard, the confidence,
the reviewer and when. These rows are the evaluation set of the identification: a constant
tuned on them must not be judged on them.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nishabdham.errors import OutputError
from nishabdham.pipeline.codeswitch import second_line
from nishabdham.pipeline.known_text.library_cues import parse_library_origin, with_heard
from nishabdham.review_ui.editing import ReviewCue
from nishabdham.types import Transcript

REJECTIONS = Path("evalsets") / "library-rejections" / "manifest.jsonl"


def rejections_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / REJECTIONS


def upload_poem(folder: str | Path, filename: str, raw: bytes, **fields: str) -> Path:
    """Check an uploaded text and add it to the library (InputError naming the line when it cannot be used)."""
    from nishabdham.pipeline.known_text.library import add_poem

    Path(folder).mkdir(parents=True, exist_ok=True)
    return add_poem(folder, Path(filename).stem, raw, **fields)


def search(folder: str | Path, query: str, cache_dir: str | Path, k: int = 10) -> list[dict[str, Any]]:
    """The library lines nearest to ``query``: poem id, title, line (1-based), text, score."""
    from nishabdham.pipeline.known_text.index import load_index, search_text
    from nishabdham.pipeline.known_text.library import read_library

    library, _ = read_library(folder)
    hits = search_text(load_index(library, cache_dir), query, k)
    return [
        {
            "poem": library.poems[h.poem].id,
            "title": library.poems[h.poem].title,
            "line": h.line + 1,
            "text": library.poems[h.poem].text.lines[h.line].text,
            "score": round(h.score, 2),
        }
        for h in hits
    ]


def poems_found(transcript: Transcript) -> list[dict[str, Any]]:
    """The poems the pipeline found in a recording, where and how sure (empty without a library)."""
    return list(transcript.alignment.get("library", {}).get("found", []))


def match_label(cue: ReviewCue, transcript: Transcript) -> str | None:
    """``Vēmana Śatakam, verse 12, line 3 (confidence 0.87)`` for a cue from the library, else None."""
    ref = parse_library_origin(cue.origin)
    if ref is None:
        return None
    poem_id, line = ref
    title = next((p.get("title") or poem_id for p in poems_found(transcript) if p.get("id") == poem_id), poem_id)
    confidence = f" (confidence {cue.confidence:.2f})" if cue.confidence is not None else ""
    return f"{title}, line {line}{confidence}"


def heard_version(cue: ReviewCue, transcript: Transcript) -> ReviewCue:
    """The cue with the words heard over its time instead of the library's line: origin ``heard``."""
    back = with_heard(cue.as_cue(), transcript.segments, second_line)
    return cue.with_cue(text=back.text, second=back.second, words=back.words, origin="heard", confidence=None)


def reject_match(cue: ReviewCue, transcript: Transcript, job: str, reviewer: str, data_dir: str | Path) -> ReviewCue:
    """Put back what was heard, and record the rejection in the evaluation set; the heard cue."""
    ref = parse_library_origin(cue.origin)
    if ref is None:
        return cue
    back = heard_version(cue, transcript)
    row = {
        "job": job,
        "source": transcript.source,
        "start_ms": cue.start_ms,
        "end_ms": cue.end_ms,
        "poem": ref[0],
        "line": ref[1],
        "library_text": cue.text,
        "heard": back.text,
        "confidence": cue.confidence,
        "reviewer": reviewer,
        "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _append(rejections_path(data_dir), row)
    return back


def _append(path: Path, row: dict[str, Any]) -> None:
    """One JSON line appended whole (a single write of the line, flushed and synced)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise OutputError(f"the rejection cannot be recorded ({exc.strerror or exc})", path=path) from exc


def replace_cue(cues: tuple[ReviewCue, ...], cue_id: str, new: ReviewCue) -> tuple[ReviewCue, ...]:
    """An edit operation (``EditSession.apply``): the cue ``cue_id`` becomes ``new``."""
    return tuple(new if c.id == cue_id else c for c in cues)
