"""Versions: every save is new, nothing is overwritten, concurrent saves are merged, never lost."""

from __future__ import annotations

import threading

import pytest

from nishabdham.errors import ReviewError, VersionConflictError
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui.versions import VersionStore, resolve, three_way_merge
from tests.review_support import cues as make_cues
from tests.review_support import transcript

DURATION = transcript().duration_ms


@pytest.fixture
def store(tmp_path):
    return VersionStore(tmp_path / "reviews")


def test_open_creates_version_zero_once(store):
    machine = make_cues()
    first = store.open("job1", machine)
    again = store.open("job1", ed.edit_text(machine, "c0001", "other"))
    assert first.number == again.number == 0 and first.action == "machine"
    assert again.cues == machine


def test_each_save_is_a_new_file_and_old_versions_stay_byte_for_byte(store):
    machine = make_cues()
    store.open("job1", machine)
    v1 = store.save("job1", ed.edit_text(machine, "c0001", "ఒకటి"), base=0, reviewer="Anu")
    v1_bytes = (store.job_dir("job1") / "v0001.json").read_bytes()
    v2 = store.save("job1", ed.edit_text(v1.cues, "c0002", "రెండు"), base=1, reviewer="Ravi")
    assert (v1.number, v2.number) == (1, 2)
    assert (store.job_dir("job1") / "v0001.json").read_bytes() == v1_bytes
    assert store.load("job1", 1) == v1 and store.load("job1") == v2
    assert [h.reviewer for h in store.history("job1")] == ["machine", "Anu", "Ravi"]


def test_save_records_who_changed_which_cue(store):
    machine = make_cues()
    store.open("job1", machine)
    v1 = store.save("job1", ed.edit_text(machine, "c0002", "మార్పు"), base=0, reviewer="Anu")
    assert [c.edited_by for c in v1.cues] == ["", "Anu", "", ""]
    v2 = store.save("job1", ed.set_tags(v1.cues, "c0003", ["english-word"]), base=1, reviewer="Ravi")
    assert [c.edited_by for c in v2.cues] == ["", "Anu", "Ravi", ""]


def test_save_needs_a_reviewer_and_an_opened_job(store):
    with pytest.raises(ReviewError, match="never opened"):
        store.save("job1", make_cues(), base=0, reviewer="Anu")
    store.open("job1", make_cues())
    with pytest.raises(ReviewError, match="reviewer's name"):
        store.save("job1", make_cues(), base=0, reviewer=" ")


def test_job_ids_cannot_name_other_folders(store):
    for bad in ("../x", "a/b", "", ".hidden"):
        with pytest.raises(ReviewError, match="not a valid job id"):
            store.job_dir(bad)


def test_second_saver_on_the_same_base_is_told_and_loses_nothing(store):
    machine = make_cues()
    store.open("job1", machine)
    anu = ed.edit_text(machine, "c0001", "అను సవరణ")
    ravi = ed.split_cue(ed.set_tags(machine, "c0003", ["english-word"]), "c0002", 1)
    store.save("job1", anu, base=0, reviewer="Anu")
    with pytest.raises(VersionConflictError, match="Anu saved version 1") as info:
        store.save("job1", ravi, base=0, reviewer="Ravi")
    assert info.value.latest == 1
    merge = three_way_merge(store.load("job1", 0).cues, ravi, store.load("job1", 1).cues, 1)
    assert merge.conflicts == ()
    merged = store.save("job1", merge.cues, base=1, reviewer="Ravi", merged_from=(0, 1))
    texts = [c.text for c in merged.cues]
    assert texts[0] == "అను సవరణ"  # Anu's edit
    assert texts[1:3] == ["పోతన", "భాగవతం చదివారు"]  # Ravi's split
    assert merged.cues[3].tags == ("english-word",)  # Ravi's tag
    assert merged.action == "merge" and merged.merged_from == (0, 1)


def test_racing_savers_exactly_one_wins(store):
    machine = make_cues()
    store.open("job1", machine)
    results, barrier = [], threading.Barrier(8)

    def save(n):
        barrier.wait()
        try:
            store.save("job1", ed.edit_text(machine, "c0001", f"సవరణ {n}"), base=0, reviewer=f"r{n}")
            results.append("saved")
        except VersionConflictError:
            results.append("conflict")

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 7 + ["saved"]
    assert store.numbers("job1") == [0, 1]


def test_same_field_changed_by_both_is_a_conflict_the_reviewer_resolves():
    base = make_cues()
    mine = ed.edit_text(base, "c0002", "నా మాట")
    mine = ed.set_tags(mine, "c0002", ["phonetic"])
    theirs = ed.edit_text(base, "c0002", "వారి మాట")
    theirs = ed.set_times(theirs, "c0002", base[1].start_ms + 50, base[1].end_ms, DURATION)
    merge = three_way_merge(base, mine, theirs)
    assert [(c.cue_id, c.field, c.mine, c.theirs) for c in merge.conflicts] == [("c0002", "text", "నా మాట", "వారి మాట")]
    kept = {c.id: c for c in merge.cues}["c0002"]
    assert kept.text == "వారి మాట" and kept.tags == ("phonetic",)  # theirs until chosen; my tag merged
    assert kept.start_ms == base[1].start_ms + 50  # their retiming merged
    chosen = {c.id: c for c in resolve(merge, [("c0002", "text")])}["c0002"]
    assert chosen.text == "నా మాట" and chosen.start_ms == base[1].start_ms + 50


def test_deleting_what_the_other_changed_is_a_conflict():
    base = make_cues()
    mine = ed.merge_with_next(base, "c0001")  # removes c0002
    theirs = ed.edit_text(base, "c0002", "వారి సవరణ")
    merge = three_way_merge(base, mine, theirs)
    assert [(c.cue_id, c.field) for c in merge.conflicts] == [("c0002", "cue")]
    assert "c0002" in {c.id for c in merge.cues}  # theirs kept by default
    mine_chosen = resolve(merge, [(c.cue_id, c.field) for c in merge.conflicts])
    assert "c0002" not in {c.id for c in mine_chosen}


def test_identical_edits_are_not_conflicts():
    base = make_cues()
    same = ed.edit_text(base, "c0004", "శ్రీనాథుడు")
    merge = three_way_merge(base, same, same)
    assert merge.conflicts == () and merge.cues == same
