"""The review UI in a real browser (Debian's Chromium via Playwright) on a real server, queue and worker."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.browser_support import chromium, go_to, review_server, sign_in, wait_for_run, wait_until_idle
from tests.queue_support import wait_for

PASSWORD = "a long shared secret"


def _upload(page, *paths) -> None:
    go_to(page, "Upload")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files([str(p) for p in paths])


@pytest.mark.browser
@pytest.mark.queue
@pytest.mark.model
def test_upload_review_approve_in_a_real_browser(queue, te_rows, tmp_path, artifacts):
    queue.worker()
    clip = tmp_path / "kavita reading.wav"
    shutil.copy(te_rows[0]["path"], clip)
    env = {**queue.env, "NISHABDHAM_REVIEW_PASSWORD": PASSWORD}
    with review_server(env, tmp_path / "review.log") as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 1900}, accept_downloads=True)
        sign_in(page, url, "Lakshmi", PASSWORD)
        page.get_by_role("heading", name="Jobs").wait_for()

        _upload(page, clip)
        page.get_by_role("button", name="Subtitle these recordings").click()
        page.get_by_text("is on the queue").wait_for(timeout=30_000)
        store = queue.store()
        job = wait_for(lambda: next(iter(store.list_jobs()), None), 10, "the uploaded job in the store")
        assert job.stem == "kavita reading"

        go_to(page, "Jobs")
        page.locator(".st-key-open button").wait_for(timeout=240_000)  # shown once the job is done (live refresh)
        assert store.get(job.id).state == "done", queue.logs()
        wait_until_idle(page)
        page.locator(".st-key-open button").click()
        page.get_by_role("heading", name="kavita reading").wait_for()
        wait_until_idle(page)

        corrected = "కలసపాడు బ్రిడ్జిపై నుంచి నీరు"
        wave = _wave(page)  # the cue's lines are edited under the waveform
        wave.get_by_role("textbox", name="Line 1", exact=True).fill(corrected)
        wave.get_by_role("textbox", name="Line 1", exact=True).press("Control+Enter")  # applied, kept as a draft
        page.get_by_text("unsaved edits", exact=False).first.wait_for()
        wait_for_run(page)
        page.locator(".stMultiSelect").first.click()
        page.get_by_role("option", name="culturally significant term").click()
        page.keyboard.press("Escape")
        wait_for_run(page)
        page.get_by_role("button", name="Save version", exact=True).click()
        page.get_by_text("Saved version 1.").wait_for()
        wait_for_run(page)
        page.screenshot(path=str(artifacts / "review.png"))

        page.get_by_role("button", name="Approve", exact=True).click()
        wait_for_run(page)
        if page.get_by_role("button", name="Approve with them: I confirm they are right").count():
            page.get_by_role("button", name="Approve with them: I confirm they are right").click()  # rule warnings
        page.get_by_text("Approved version 1").first.wait_for()
        wait_for_run(page)
        with page.expect_download() as download:
            page.get_by_role("button", name="kavita reading.srt").click()
        srt = download.value.path().read_text(encoding="utf-8")
        page.screenshot(path=str(artifacts / "review-approved.png"))

        # an edit after approval: the approved version's downloads go (the editor reruns alone, so it asks
        # for the whole page when what the page shows above it changes)
        line = _wave(page).get_by_role("textbox", name="Line 1", exact=True)
        line.fill(corrected + " మళ్ళీ")
        line.press("Control+Enter")
        page.get_by_text("Approved version 1").first.wait_for(state="detached")
        wait_for_run(page)
        assert page.get_by_role("button", name="kavita reading.srt").count() == 0

    assert corrected in srt.split("\n\n")[0]
    manifest = queue.data_dir / "evalsets" / "reviewed" / "manifest.jsonl"
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
    first = next(r for r in rows if r["cue"] == "c0001")
    assert first["text"] == corrected and first["tags"] == ["cultural-term"]
    assert first["reviewer"] == "Lakshmi" and first["job"] == job.id and first["hypothesis"] != corrected
    assert (manifest.parent / first["audio_filepath"]).is_file()


@pytest.mark.browser
def test_browser_refuses_a_wrong_password_and_an_oversized_upload(tmp_path, artifacts):
    data_dir = tmp_path / "data"
    env = {
        "NISHABDHAM_DATA_DIR": str(data_dir),
        "NISHABDHAM_REVIEW_PASSWORD": PASSWORD,
        "NISHABDHAM_REVIEW_MAX_UPLOAD_MB": "1",
    }
    big = tmp_path / "long reading.wav"
    big.write_bytes(b"RIFF" + b"\0" * (2 * 1024 * 1024))
    with review_server(env, tmp_path / "review.log") as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/review?job=0123456789abcdef-01234567")
        page.get_by_role("textbox", name="Password").wait_for()
        wait_until_idle(page)
        assert page.get_by_role("heading").all_inner_texts() == ["Nishabdham review"]
        sign_in(page, url, "Mallory", "guess")
        page.get_by_text("wrong password").wait_for()
        assert page.get_by_role("heading", name="Jobs").count() == 0
        assert page.get_by_test_id("stSidebarNavItems").count() == 0

        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Jobs").wait_for()
        _upload(page, big)
        message = page.get_by_text("File must be 1.0MB or smaller.")
        message.wait_for()
        box = message.bounding_box()
        assert box["width"] > 100 and box["height"] > 8  # shown in the page, not only to screen readers
        assert page.get_by_role("button", name="Subtitle these recordings").is_disabled()
        page.screenshot(path=str(artifacts / "upload-refused.png"))
    assert not (data_dir / "uploads").exists() or not any((data_dir / "uploads").rglob("*.wav"))


def _wave(page):
    """The waveform editor's frame, with its cues drawn."""
    page.locator("iframe[title*='wave_editor']").wait_for(timeout=60_000)
    frame = [f for f in page.frames if "/component/" in f.url and not f.is_detached()][-1]
    frame.locator("[data-cue='c0001']").wait_for(timeout=60_000)
    return frame
