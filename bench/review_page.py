"""How fast is the review page for a 60-minute recording (about 800 cues)?

Targets: issue 5, the page's pieces as functions; issue 23, a median of at most 0.3 s from a keystroke
(or a click on the waveform) to the updated page, shown beside the earlier form ("type, Apply edit",
with ``--form-from`` a checkout from before issue 23).

    PYTHONPATH=. python bench/review_page.py [--minutes 60] [--runs 3]

Builds a reading from the Telugu dev clips (repeated to the length asked for)
with its transcript, makes it a finished job in a fresh data directory, then
measures (1) the page's pieces as plain functions and (2) the real thing: a
real ``nishabdham review`` server and Debian's Chromium, from a keystroke or a
click until the page shows its result and has finished its run.
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

from tests.browser_support import chromium, review_server, sign_in, wait_until_idle  # noqa: E402
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


def browser(job, env: dict, runs: int, log: Path, form_from: Path | None) -> dict:
    """Open the page, then keystroke-to-updated-page: a nudge by key, a text fix by Ctrl+Enter, a click on
    the waveform; with ``form_from`` (a checkout with the earlier form), its "type, Apply edit" beside them."""
    timings: dict[str, list[float]] = {}
    with review_server(env, log) as url, chromium() as browser_:
        page = browser_.new_page(viewport={"width": 1500, "height": 1800})
        sign_in(page, f"{url}/review?job={job.id}", "bench", PASSWORD)
        try:
            _measure_editor(page, job, runs, timings)
        finally:
            page.screenshot(path=str(log.with_name("review-60min.png")))
    if form_from is not None:
        with review_server(env, log.with_name("form-server.log"), root=form_from) as url, chromium() as browser_:
            page = browser_.new_page(viewport={"width": 1500, "height": 1800})
            sign_in(page, f"{url}/review?job={job.id}", "bench-form", PASSWORD)
            _measure_form(page, job, runs, timings)
    return timings


def _timed(page, timings: dict, label: str, action, done) -> None:
    """Seconds from ``action`` (a keystroke or click) until ``done`` holds and the page has finished its run."""
    wait_until_idle(page)
    started = time.perf_counter()
    action()
    page.wait_for_function(done, timeout=60_000) if isinstance(done, str) else done()
    page.wait_for_timeout(50)
    wait_until_idle(page)
    timings.setdefault(label, []).append(time.perf_counter() - started)


def _value(label: str) -> str:
    return f"() => document.querySelector('[aria-label=\"{label}\"]')?.value"


def _measure_editor(page, job, runs: int, timings: dict) -> None:
    page.get_by_role("heading", name=job.stem).wait_for(timeout=120_000)
    page.locator("iframe[title*='wave_editor']").wait_for(timeout=120_000)
    wave = next(f for f in page.frames if "/component/" in f.url)
    wave.locator("[data-cue='c0002']").wait_for(timeout=120_000)
    for run in range(runs):
        target = f"c{run + 2:04d}"
        _timed(
            page, timings, "click a cue on the waveform", lambda t=target: wave.locator(f"[data-cue='{t}']").click(),
            f"() => document.querySelector('[aria-label=\"Cue\"]')?.value === '{run + 2}'",
        )  # fmt: skip
        before = page.get_by_role("textbox", name="Start", exact=True).input_value()
        _timed(
            page, timings, "nudge by a key (s: start +100 ms)", lambda: page.keyboard.press("s"),
            f"() => ({_value('Start')})() !== '{before}'",
        )  # fmt: skip
        line = page.get_by_role("textbox", name="Line 1", exact=True)
        line.fill(f"సవరణ {run}")
        _timed(
            page, timings, "text fix (Ctrl+Enter)", lambda line=line: line.press("Control+Enter"),
            f"() => ({_value('Line 2')})() === 'savaraṇa {run}'",
        )  # fmt: skip


def _measure_form(page, job, runs: int, timings: dict) -> None:
    """The earlier page: type in the form, press "Apply edit", wait for the redrawn page."""
    page.get_by_role("heading", name=job.stem).wait_for(timeout=120_000)
    page.wait_for_function(IMAGES_DRAWN, timeout=120_000)
    for run in range(runs):
        line = page.get_by_role("textbox", name="Line 1", exact=True)
        line.fill(f"పాత సవరణ {run}")
        _timed(
            page, timings, "earlier form: type, Apply edit", lambda: page.get_by_role("button", name="Apply edit").click(),
            lambda: page.get_by_text("unsaved edits").first.wait_for(),
        )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (recording, data, server log)")
    parser.add_argument(
        "--form-from", type=Path, help="a checkout with the earlier review form (before issue 23), timed beside it"
    )
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
    from nishabdham.review_ui.media import browser_audio

    browser_audio(settings.data_dir / "reviews" / job.id)  # the Opus copy, once per recording (not timed)
    timings = browser(job, env, args.runs, work / "server.log", args.form_from)
    for label, values in timings.items():
        target = 0.3 if "earlier" not in label else None
        verdict = (
            ""
            if target is None
            else f" (target <= {target} s) {'OK' if statistics.median(values) <= target else 'SLOW'}"
        )
        print(
            f"browser {label}: median {statistics.median(values):.2f} s, max {max(values):.2f} s "
            f"over {len(values)} runs{verdict}: " + ", ".join(f"{v:.2f}" for v in values)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
