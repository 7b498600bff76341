"""A whole review by waveform and keyboard in a real browser (Debian's Chromium), as issue 23's "Done when" lists:
select a cue by clicking the waveform, drag its end, nudge its start, split at the playhead, insert a cue over
uncovered speech, edit text in the table and see line 2 follow, reload and find the draft, approve with a
tagged-unfixed cue and see it kept out of the evaluation set, download the SRT with every edit."""

from __future__ import annotations

import json

import pytest

from nishabdham.review_ui.approval import latest_approval
from nishabdham.review_ui.evalsets import MANIFEST, reviewed_set_dir
from nishabdham.review_ui.media import prepare_review_audio
from nishabdham.review_ui.recording import reviews_dir
from nishabdham.review_ui.views.wave import available
from nishabdham.settings import load_settings
from tests.browser_support import chromium, review_server, sign_in, wait_for_run, wait_until_idle
from tests.review_support import finished_job, synthetic_reading

PASSWORD = "a long shared secret"


def field(page, name: str):
    """A field of the selected cue: its times and lines are edited in the waveform editor."""
    return wave_frame(page).get_by_role("textbox", name=name, exact=True)


def cue_number(page) -> int:
    return int(page.get_by_role("spinbutton", name="Cue", exact=True).input_value())


def cue_count(page) -> int:
    caption = page.get_by_text("editing version").first.inner_text()
    return int(caption.split(" cues")[0].split("·")[-1])


def act(page, action) -> None:
    """Do something that reruns the page, and wait for the run to end."""
    action()
    wait_for_run(page, timeout_ms=60_000, settle_ms=600)


def wave_frame(page):
    page.locator("iframe[title*='wave_editor']").wait_for(timeout=60_000)
    frame = [f for f in page.frames if "/component/" in f.url and not f.is_detached()][-1]
    frame.locator("[data-cue='c0002']").wait_for(timeout=60_000)
    return frame


@pytest.fixture
def reading(tmp_path, dev_data):
    if not available():
        pytest.fail("the waveform editor is not built: run `make waveform-editor` (npm ci + build)")
    audio, transcript = synthetic_reading(dev_data, tmp_path, 30_000, stem="kavita")
    job = finished_job(load_settings(), audio, transcript)
    prepare_review_audio(audio, reviews_dir(load_settings().data_dir) / job.id)  # not timed here: the page is
    return job


@pytest.mark.browser
@pytest.mark.devdata
def test_a_review_by_waveform_and_keyboard(reading, tmp_path, artifacts):
    job = reading
    env = {"NISHABDHAM_REVIEW_PASSWORD": PASSWORD}
    with review_server(env, tmp_path / "review.log") as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 1700}, accept_downloads=True)
        page.set_default_timeout(60_000)
        sign_in(page, f"{url}/review?job={job.id}", "Lakshmi", PASSWORD)
        page.get_by_role("heading", name="kavita").wait_for()
        wave = wave_frame(page)
        cues = cue_count(page)

        # select a cue by clicking the waveform
        act(page, lambda: wave.locator("[data-cue='c0002']").click())
        assert cue_number(page) == 2
        start, end = field(page, "Start").input_value(), field(page, "End").input_value()

        # drag its end to the right (snapped to the gap before cue 3)
        handle = wave.locator("[data-cue='c0002'] [part~='region-handle-right']")
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + 14, box["y"] + box["height"] / 2, steps=5)
        act(page, page.mouse.up)
        assert field(page, "End").input_value() > end

        # nudge its start by 100 ms (key "s": start later); twice more at once: no keystroke is lost
        act(page, lambda: page.keyboard.press("s"))
        assert _ms(field(page, "Start").input_value()) == _ms(start) + 100
        page.keyboard.press("s")
        act(page, lambda: page.keyboard.press("s"))
        assert _ms(field(page, "Start").input_value()) == _ms(start) + 300
        assert _panel_start(page, 2) == _ms(start) + 300  # Python applied all three, not only the waveform

        # split at the playhead: click inside cue 3 (selects it and moves the playhead), then "x"
        region = wave.locator("[data-cue='c0003']")
        rbox = region.bounding_box()
        act(page, lambda: region.click(position={"x": rbox["width"] * 0.55, "y": rbox["height"] / 2}))
        assert cue_number(page) == 3
        act(page, lambda: page.keyboard.press("x"))
        assert cue_count(page) == cues + 1

        # insert a cue over uncovered speech: click in a gap between cues (moves the playhead), then "i"
        act(page, lambda: wave.locator("#wave").click(position=_in(wave, _widest_gap(wave))))
        act(page, lambda: page.keyboard.press("i"))
        alerts = page.get_by_test_id("stAlert").all_inner_texts()
        assert cue_count(page) == cues + 2 and field(page, "Line 1").input_value() == "", alerts
        inserted = "వినిపించిన మాట"
        field(page, "Line 1").fill(inserted)
        act(page, lambda: page.keyboard.press("Control+Enter"))
        assert field(page, "Line 2").input_value() == "vinipiṁcina māṭa"  # follows, like the other cues

        # edit text in the table (cue 1's line 1) and see line 2 follow
        edited = "కలసపాడు వంతెనపై"
        _edit_table_cell(page, row=0, column="line 1", text=edited)
        assert cue_number(page) == 1  # the edited row is selected
        assert field(page, "Line 1").input_value() == edited
        assert field(page, "Line 2").input_value() == "kalasapāḍu vaṁtenapai"
        page.screenshot(path=str(artifacts / "review-editor.png"))

        # reload: still signed in (cookie), and the draft is back
        page.reload()
        wait_until_idle(page, 60_000)
        page.get_by_text("unsaved edits from").wait_for()
        assert page.get_by_role("textbox", name="Password").count() == 0
        assert cue_count(page) == cues + 2
        wave = wave_frame(page)

        # tag cue 5 as a hallucination without fixing it, then approve: it is kept out of the evaluation set
        act(page, lambda: wave.locator("[data-cue='c0004']").click())
        tagged = cue_number(page)
        page.locator(".stMultiSelect").first.click()
        act(page, lambda: page.get_by_role("option", name="hallucination").click())
        page.keyboard.press("Escape")
        act(page, lambda: page.get_by_role("button", name="Approve", exact=True).click())
        page.get_by_text("are tagged as wrong but unchanged").wait_for()
        act(page, lambda: page.get_by_role("button", name="out of the evaluation set").click())
        page.get_by_text("left out of it").first.wait_for()
        with page.expect_download() as download:
            page.get_by_role("button", name="kavita.srt").click()
        srt = download.value.path().read_text(encoding="utf-8")

    manifest = reviewed_set_dir(load_settings().data_dir) / MANIFEST
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
    assert "c0004" not in {r["cue"] for r in rows}, f"cue {tagged} went into the evaluation set"
    approval = latest_approval(reviews_dir(load_settings().data_dir) / job.id)
    assert "c0004" in approval.left_out and {r["cue"] for r in rows}.isdisjoint(approval.left_out)
    assert len(rows) == cues + 2 - len(approval.left_out)
    blocks = srt.strip().split("\n\n")
    assert len(blocks) == cues + 2
    assert edited in blocks[0] and "kalasapāḍu vaṁtenapai" in blocks[0]
    assert sum(inserted in b and "vinipiṁcina māṭa" in b for b in blocks) == 1


def _panel_start(page, number: int) -> int:
    """Cue ``number``'s start (ms) as the page's own cue panel (drawn by Python) says it."""
    caption = page.get_by_text(f"Cue {number} ·").first.inner_text()
    return _ms(caption.split("·")[1].split("→")[0].strip())


def _ms(text: str) -> int:
    h, m, s = text.split(":")
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)


def _widest_gap(frame) -> float:
    """Page x of the middle of the widest gap between two cues on screen."""
    boxes = sorted(
        (b["x"], b["x"] + b["width"])
        for b in (r.bounding_box() for r in frame.locator("[data-cue]").all())
        if b is not None and b["width"] > 0
    )
    gaps = [(b[0] - a[1], (a[1] + b[0]) / 2) for a, b in zip(boxes, boxes[1:])]
    width, middle = max(gaps)
    assert width > 20, f"no gap between cues on screen: {boxes}"
    return middle


def _in(frame, x: float) -> dict:
    """A click position inside the waveform at page x (y in the middle of the wave)."""
    box = frame.locator("#wave").bounding_box()
    return {"x": x - box["x"], "y": box["height"] / 2}


#: Width of the table's columns before "line 1" (views/review.py column_config), and the row height.
_LEFT = {"line 1": 30 + 45 + 95 + 95}
_ROW_PX = 35


def _edit_table_cell(page, row: int, column: str, text: str) -> None:
    grid = page.get_by_test_id("stDataFrame").last
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    x = box["x"] + _LEFT[column] + 60
    y = box["y"] + _ROW_PX * (row + 1) + _ROW_PX / 2
    page.mouse.dblclick(x, y)
    editor = page.locator("[data-testid='glide-cell-editor'] textarea, .gdg-input textarea, textarea.gdg-input")
    editor.first.wait_for()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)
    act(page, lambda: page.keyboard.press("Enter"))
