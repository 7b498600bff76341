"""How fast is the review page for a 60-minute recording (about 800 cues)?

Targets (issue 5): the page opens in under 2 s, an edit saves in under 0.5 s.

    PYTHONPATH=. python bench/review_page.py [--minutes 60] [--runs 3]

Builds a reading from the Telugu dev clips (repeated to the length asked for)
with its transcript, makes it a finished job in a fresh data directory, then
measures (1) the page's pieces as plain functions and (2) the real thing: a
real ``nishabdham review`` server and Debian's Chromium, from a click on
"Open" until the table and both waveform images are drawn, and from a click on
"Save" until "Saved version N" shows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser_support import chromium, go_to, review_server, sign_in, wait_until_idle  # noqa: E402
from tests.conftest import DEV_DATA  # noqa: E402
from tests.review_support import finished_job, synthetic_reading  # noqa: E402

PASSWORD = "bench"
#: Both waveform images loaded and decoded in the page.
IMAGES_DRAWN = (
    "() => [...document.querySelectorAll(\"[data-testid='stImage'] img\")]"
    ".filter(i => i.complete && i.naturalWidth > 0).length >= 2"
)


def clock(label: str, results: dict, fn, *args, **kwargs):
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    results[label] = time.perf_counter() - started
    return value


def functions(job, transcript, audio, settings) -> dict:
    """The page's work as plain functions: load, versions, warnings and flags, table rows, save."""
    from nishabdham.review_ui import editing as ed
    from nishabdham.review_ui import table as tbl
    from nishabdham.review_ui.media import prepare_review_audio
    from nishabdham.review_ui.recording import open_recording
    from nishabdham.review_ui.versions import VersionStore

    results: dict[str, float] = {}
    recording = clock(
        "load transcript", results, open_recording, settings.data_dir, job.id, transcript, audio, job.stem
    )
    clock("review audio, once per recording", results, prepare_review_audio, audio, recording.folder)
    store = VersionStore(settings.data_dir / "reviews")
    version = clock("open (write version 0)", results, store.open, job.id, recording.machine)
    report = clock("warnings + QA flags, all cues", results, tbl.report, version.cues, settings.rules)
    order = tbl.display_order(version.cues, report, True)
    clock("table rows (worst first)", results, tbl.table_rows, version.cues, order, report, recording.machine_text)
    edited = ed.edit_text(version.cues, version.cues[len(version.cues) // 2].id, "సవరణ")
    clock("save a version", results, store.save, job.id, edited, version.number, "bench")
    return results, len(version.cues)


def browser(job, env: dict, runs: int, log: Path) -> dict:
    opens, saves, confirmed = [], [], []
    with review_server(env, log) as url, chromium() as browser_:
        page = browser_.new_page(viewport={"width": 1500, "height": 1800})
        sign_in(page, url, "bench", PASSWORD)
        try:
            _measure(page, job, runs, opens, saves, confirmed)
        finally:
            page.screenshot(path=str(log.with_name("review-60min.png")))
    return {"open": opens, "save": saves, "save confirmed": confirmed}


def _measure(page, job, runs: int, opens: list, saves: list, confirmed: list) -> None:
    for run in range(runs):
        go_to(page, "Jobs")
        page.locator(".st-key-open button").wait_for()
        wait_until_idle(page)
        started = time.perf_counter()
        page.locator(".st-key-open button").click()
        page.get_by_role("heading", name=job.stem).wait_for()
        page.locator("[data-testid='stDataFrame'] canvas").first.wait_for()
        page.wait_for_function(IMAGES_DRAWN)
        wait_until_idle(page)
        opens.append(time.perf_counter() - started)
        page.get_by_role("textbox", name="Line 1", exact=True).fill(f"సవరణ {run}")
        page.get_by_role("button", name="Apply edit").click()
        page.get_by_text("unsaved edits").first.wait_for()
        page.locator("button:has-text('Save'):not([disabled])").first.wait_for()
        wait_until_idle(page)
        started = time.perf_counter()
        page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_text(f"Saved version {run + 2}.").wait_for()  # version 1 was saved by functions()
        confirmed.append(time.perf_counter() - started)
        wait_until_idle(page)
        saves.append(time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (recording, data, server log)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nishabdham-review-bench-"))
    try:
        return measure(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def measure(args: argparse.Namespace, work: Path) -> int:
    env = {"NISHABDHAM_DATA_DIR": str(work / "data"), "NISHABDHAM_REVIEW_PASSWORD": PASSWORD}
    os.environ.update(env)
    from nishabdham.settings import load_settings

    settings = load_settings()
    audio, transcript = synthetic_reading(DEV_DATA, work, int(args.minutes * 60_000), stem="sixty", pause_ms=450)
    job = finished_job(settings, audio, transcript)
    pieces, cues = functions(job, transcript, audio, settings)
    print(f"recording: {args.minutes:g} min, {cues} cues" + (f"; work folder {work}" if args.keep else ""))
    for label, seconds in pieces.items():
        print(f"  {label:<36} {seconds * 1000:8.1f} ms")
    timings = browser(job, env, args.runs, work / "server.log")
    for label, target in (("open", 2.0), ("save", 0.5), ("save confirmed", 0.5)):
        values = timings[label]
        print(
            f"browser {label}: median {statistics.median(values):.2f} s, max {max(values):.2f} s over {len(values)} runs "
            f"(target < {target} s) {'OK' if max(values) < target else 'SLOW'}: "
            + ", ".join(f"{v:.2f}" for v in values)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
