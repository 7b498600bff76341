"""A review cue wraps the pipeline's Cue, but versions and drafts stay the flat JSON they always were.

The two files below were written by the review UI before :class:`ReviewCue` wrapped a :class:`Cue`
(then it re-declared the cue's fields): they must load the same and be written back byte for byte.
"""

from __future__ import annotations

import json

from nishabdham.review_ui import editing as ed
from nishabdham.review_ui.drafts import read_draft, write_draft
from nishabdham.review_ui.editing import ReviewCue
from nishabdham.review_ui.versions import VersionStore
from nishabdham.types import Cue, Word, to_jsonable

OLD_CUES = (
    '[{"id":"c0001","start_ms":500,"end_ms":2100,"text":"పోతన భాగవతం","second":"pōtana bhāgavataṁ",'
    '"speaker":"Lakshmi","words":[{"start_ms":500,"end_ms":1200,"text":"పోతన","probability":0.91,"source":"",'
    '"lang":"","script":""},{"start_ms":1300,"end_ms":2100,"text":"భాగవతం","probability":0.5,"source":"",'
    '"lang":"","script":""}],"tags":["phonetic"],"edited_by":"Anu","origin":"text","confidence":0.72},'
    '{"id":"c0001+a1b2c3","start_ms":2200,"end_ms":3000,"text":"heard words","second":"","speaker":"","words":[],'
    '"tags":[],"edited_by":"","origin":"heard","confidence":null}]'
)
OLD_VERSION = (
    '{"job":"job1","number":0,"base":-1,"reviewer":"machine","saved_at":"2026-12-04T09:13:28+00:00","cues":'
    + OLD_CUES
    + ',"action":"machine","merged_from":[],"schema_version":1}'
)
OLD_DRAFT = (
    '{"job":"job1","reviewer":"Anu","base_version":0,"saved_at":"2026-12-04T09:13:28+00:00","cues":'
    + OLD_CUES
    + ',"schema_version":1}'
)
FLAT_KEYS = [
    "id",
    "start_ms",
    "end_ms",
    "text",
    "second",
    "speaker",
    "words",
    "tags",
    "edited_by",
    "origin",
    "confidence",
]


def _cues_part(raw: str) -> str:
    """The ``cues`` array of a version or draft file, as written."""
    start = raw.index('"cues":') + len('"cues":')
    return raw[start : raw.rindex("}]") + 2]


def test_a_version_written_before_the_wrap_loads_the_same_and_is_written_back_byte_for_byte(tmp_path):
    store = VersionStore(tmp_path / "reviews")
    store.job_dir("job1").mkdir(parents=True)
    (store.job_dir("job1") / "v0000.json").write_text(OLD_VERSION, encoding="utf-8")
    first, heard = store.load("job1").cues
    assert (first.id, first.start_ms, first.end_ms, first.text, first.second, first.speaker) == (
        "c0001",
        500,
        2100,
        "పోతన భాగవతం",
        "pōtana bhāgavataṁ",
        "Lakshmi",
    )
    assert first.words == (Word(500, 1200, "పోతన", 0.91), Word(1300, 2100, "భాగవతం", 0.5))
    assert (first.tags, first.edited_by, first.origin, first.confidence) == (("phonetic",), "Anu", "text", 0.72)
    assert (heard.origin, heard.confidence, heard.words) == ("heard", None, ())
    assert first.cue == Cue(500, 2100, "పోతన భాగవతం", "pōtana bhāgavataṁ", "Lakshmi", first.words, "text", 0.72)

    store.save("job1", (first, heard), base=0, reviewer="Ravi")  # nothing changed: the same cues again
    rewritten = (store.job_dir("job1") / "v0001.json").read_text(encoding="utf-8")
    assert _cues_part(rewritten) == OLD_CUES
    assert _cues_part(OLD_VERSION) == OLD_CUES


def test_a_draft_written_before_the_wrap_is_read_and_written_back_byte_for_byte(tmp_path):
    path = tmp_path / "drafts" / "anu.json"
    path.parent.mkdir()
    path.write_text(OLD_DRAFT, encoding="utf-8")
    draft = read_draft(path)
    assert draft is not None and [c.id for c in draft.cues] == ["c0001", "c0001+a1b2c3"]
    write_draft(path, draft.job, draft.reviewer, draft.base_version, draft.cues)
    again = json.loads(path.read_text(encoding="utf-8"))
    assert path.read_text(encoding="utf-8") == OLD_DRAFT.replace("2026-12-04T09:13:28+00:00", again["saved_at"])


def test_a_review_cue_is_stored_flat_with_the_keys_it_always_had():
    cue = Cue(0, 1000, "పదం", origin="text", confidence=0.9, edited=("text",))
    review = ReviewCue.of("c0001", cue, tags=("phonetic",))
    stored = to_jsonable(review)
    assert list(stored) == FLAT_KEYS  # no nested "cue", no "edited" (made at approval, never stored)
    assert review.cue.edited == () and review.as_cue() == Cue(0, 1000, "పదం", origin="text", confidence=0.9)


def test_edits_change_the_wrapped_cue_and_keep_the_machine_origin_and_confidence():
    review = ReviewCue.of("c0001", Cue(0, 1000, "పదం", origin="text", confidence=0.9), tags=("phonetic",))
    (edited,) = ed.edit_text((review,), "c0001", "పదము")
    assert edited.cue == Cue(0, 1000, "పదము", origin="text", confidence=0.9)
    assert (edited.id, edited.tags) == ("c0001", ("phonetic",))
    assert edited.as_cue(edited.edits(review)) == Cue(0, 1000, "పదము", origin="text", confidence=0.9, edited=("text",))
    moved = edited.with_cue(start_ms=100, end_ms=900)
    assert (moved.start_ms, moved.end_ms, moved.duration_ms, moved.text) == (100, 900, 800, "పదము")
    assert moved.edits(review) == ("times", "text")
