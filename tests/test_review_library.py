"""The poem library in the review UI (issue 22): upload, search, the match on a cue, rejecting it."""

from __future__ import annotations

import json

import pytest

from nishabdham.errors import InputError
from nishabdham.review_ui import library as lib
from nishabdham.review_ui.editing import machine_cues
from nishabdham.types import Cue, Segment, Transcript, Word
from tests.test_library import VEMANA


def transcript() -> Transcript:
    heard = (Word(0, 500, "చూడ"), Word(500, 1000, "చూడ"), Word(1000, 1600, "రుచుల"), Word(1700, 2300, "జాడ"))
    talk = (Word(3000, 3500, "thank"), Word(3500, 4000, "you"))
    cues = (
        Cue(0, 2300, VEMANA[1], "cūḍacūḍa", origin="library:vemana/012:2", confidence=0.81),
        Cue(3000, 4000, "thank you", origin="heard"),
    )
    found = [{"id": "vemana/012", "title": "Vēmana Śatakam, verse 12", "start_ms": 0, "end_ms": 2300}]
    return Transcript(
        "festival.wav",
        5000,
        "te",
        1.0,
        "bundled",
        segments=(Segment(0, 2300, "చూడ చూడ రుచుల జాడ", heard), Segment(3000, 4000, "thank you", talk)),
        cues=cues,
        alignment={"library": {"found": found}},
    )


def test_a_cue_from_the_library_shows_its_poem_and_line():
    cues = machine_cues(transcript())
    assert lib.match_label(cues[0], transcript()) == "Vēmana Śatakam, verse 12, line 2 (confidence 0.81)"
    assert lib.match_label(cues[1], transcript()) is None
    assert lib.poems_found(transcript())[0]["id"] == "vemana/012"


def test_rejecting_a_match_puts_back_what_was_heard_and_records_it(tmp_path):
    cue = machine_cues(transcript())[0]
    back = lib.reject_match(cue, transcript(), "job-1", "ravi", tmp_path)
    assert (back.id, back.text, back.origin, back.confidence) == (cue.id, "చూడ చూడ రుచుల జాడ", "heard", None)
    assert back.second == "cūḍa cūḍa rucula jāḍa"
    assert (back.start_ms, back.end_ms) == (cue.start_ms, cue.end_ms)
    (row,) = [json.loads(x) for x in lib.rejections_path(tmp_path).read_text(encoding="utf-8").splitlines()]
    assert {k: row[k] for k in ("job", "poem", "line", "library_text", "heard", "confidence", "reviewer")} == {
        "job": "job-1",
        "poem": "vemana/012",
        "line": 2,
        "library_text": VEMANA[1],
        "heard": "చూడ చూడ రుచుల జాడ",
        "confidence": 0.81,
        "reviewer": "ravi",
    }
    heard_cue = machine_cues(transcript())[1]
    assert lib.reject_match(heard_cue, transcript(), "job-1", "ravi", tmp_path) == heard_cue  # nothing to reject
    assert len(lib.rejections_path(tmp_path).read_text(encoding="utf-8").splitlines()) == 1


def test_upload_checks_the_text_and_search_finds_it(tmp_path):
    folder = tmp_path / "library"
    path = lib.upload_poem(folder, "vemana-12.txt", "\n".join(VEMANA).encode(), title="Vēmana Śatakam, verse 12")
    assert path == folder / "vemana-12.txt"
    with pytest.raises(InputError, match="line 2: unknown front matter key"):
        lib.upload_poem(folder, "bad.txt", b"---\nauthor: x\n---\n" + VEMANA[0].encode())
    (best, *_) = lib.search(folder, "vishwada bhirama vinura vema", tmp_path / "cache")
    assert (best["poem"], best["title"], best["line"], best["text"]) == (
        "vemana-12",
        "Vēmana Śatakam, verse 12",
        4,
        VEMANA[3],
    )
