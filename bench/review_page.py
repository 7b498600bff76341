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


#: Runs in every frame of the page (the waveform's iframe too): the time of the last real keystroke or
#: mouse press, and of the last time the app's script run ended, on one clock (ms since the epoch).
RECORDER = """
(() => {
  const top = window.top;
  const now = () => performance.timeOrigin + performance.now();
  const input = (e) => { if (e.isTrusted) top.__inputAt = performance.timeOrigin + e.timeStamp; };
  for (const type of ["keydown", "mousedown"]) window.addEventListener(type, input, true);
  if (window !== top) return;
  const watch = () => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app) return setTimeout(watch, 20);
    new MutationObserver(() => {
      if (app.getAttribute("data-test-script-state") === "notRunning") top.__settledAt = now();
    }).observe(app, { attributes: true, attributeFilter: ["data-test-script-state"] });
  };
  watch();
})();
"""


def browser(job, env: dict, runs: int, log: Path, form_from: Path | None, beside: Path | None) -> dict:
    """Open the page, then keystroke-to-updated-page: a nudge by key, a text fix by Ctrl+Enter, a click on
    the waveform; with ``beside`` (another checkout) the same actions there, in the same run; with
    ``form_from`` (a checkout with the earlier form), its "type, Apply edit"."""
    timings: dict[str, list[float]] = {}
    servers = [("", ROOT)] + ([("beside: ", beside)] if beside is not None else [])
    for round_ in range(runs):  # the checkouts take turns, so a busy spell of the machine hits both
        for prefix, root in servers:
            with review_server(env, log.with_name(f"server-{round_}-{bool(prefix)}.log"), root=root) as url:
                with chromium() as browser_:
                    page = _open(browser_, url, job, f"bench-{round_}{prefix[:1]}")
                    _measure_editor(page, job, round_, timings, prefix)
                    if round_ == 0 and not prefix:
                        page.screenshot(path=str(log.with_name("review-60min.png")))
    if form_from is not None:
        with review_server(env, log.with_name("form-server.log"), root=form_from) as url, chromium() as browser_:
            page = browser_.new_page(viewport={"width": 1500, "height": 1800})
            sign_in(page, f"{url}/review?job={job.id}", "bench-form", PASSWORD)
            _measure_form(page, job, runs, timings)
    return timings


def _open(browser_, url: str, job, reviewer: str):
    page = browser_.new_page(viewport={"width": 1500, "height": 1800})
    page.add_init_script(RECORDER)
    sign_in(page, f"{url}/review?job={job.id}", reviewer, PASSWORD)
    page.get_by_role("heading", name=job.stem).wait_for(timeout=120_000)
    page.locator("iframe[title*='wave_editor']").wait_for(timeout=120_000)
    wave = next(f for f in page.frames if "/component/" in f.url)
    wave.locator("[data-cue='c0002']").wait_for(timeout=120_000)
    return page


def _timed(page, timings: dict, label: str, action, shown: str, answered: str = "() => true") -> None:
    """From the keystroke or mouse press (the browser's own event time) until ``shown`` holds (the result on
    screen), and until ``answered`` holds too (Python has applied the edit) and the app's run has ended
    ("settled"); also the test driver's wall clock, which adds its own overhead."""
    wait_until_idle(page)
    page.evaluate(
        "() => { for (const k of ['__inputAt', '__settledAt', '__shownAt', '__answeredAt']) window[k] = null; }"
    )
    started = time.perf_counter()
    action()
    for condition, mark in ((shown, "__shownAt"), (answered, "__answeredAt")):
        page.wait_for_function(
            f"() => {{ if (({condition})()) {{ window.{mark} ??= performance.timeOrigin + performance.now(); return true; }}"
            " return false; }",
            polling="raf",
            timeout=60_000,
        )
    wait_until_idle(page)
    page.wait_for_timeout(150)  # a second run started by the first (a whole-page run) is waited for too
    wait_until_idle(page)
    driver = time.perf_counter() - started
    at = page.evaluate("() => [window.__inputAt, window.__shownAt, window.__answeredAt, window.__settledAt]")
    if at[0] is None:
        raise RuntimeError(f"{label}: the browser saw no keystroke or mouse press")
    figures = {"shown": at[1] - at[0], "settled": max(at[1], at[2], at[3] or 0) - at[0]}
    for kind, ms in figures.items():
        timings.setdefault(label, {}).setdefault(kind, []).append(ms / 1000)
    timings[label].setdefault("driver", []).append(driver)


#: The waveform editor's document, from the page (same origin).
WAVE_DOC = "document.querySelector(\"iframe[title*='wave_editor']\").contentDocument"


def _value(label: str, where: str = "document") -> str:
    return f"() => {where}.querySelector('[aria-label=\"{label}\"]')?.value"


def _wave(page):
    """The waveform's frame as the page has it now."""
    return [f for f in page.frames if "/component/" in f.url and not f.is_detached()][-1]


def _measure_editor(page, job, round_: int, timings: dict, prefix: str = "") -> None:
    """Click a cue, nudge its start, fix its text. Where the waveform editor has the cue's fields (issue 23's
    last step), they show the edit and its answer ("…" gone from its status); before that, the page's form."""
    wave = _wave(page)
    in_wave = wave.locator("#start").count() > 0
    where = WAVE_DOC if in_wave else "document"
    fields = wave if in_wave else page
    answered = f"() => {WAVE_DOC}.getElementById('status').textContent !== '…'" if in_wave else "() => true"
    for step in range(3):
        number = 2 + (round_ * 3 + step) % 5  # cues drawn in the first view (regions off screen are not drawn)
        region = wave.locator(f"[data-cue='c{number:04d}']")
        region.wait_for(timeout=60_000)
        picked = (
            f"() => {WAVE_DOC}.getElementById('cue-no').textContent.startsWith('Cue {number} of')"
            if in_wave
            else f"() => document.querySelector('[aria-label=\"Cue\"]')?.value === '{number}'"
        )
        page_cue = f"() => document.querySelector('[aria-label=\"Cue\"]')?.value === '{number}'"
        _timed(page, timings, f"{prefix}click a cue on the waveform", region.click, picked, page_cue)
        before = fields.get_by_role("textbox", name="Start", exact=True).input_value()
        _timed(
            page, timings, f"{prefix}nudge by a key (s: start +100 ms)", lambda: page.keyboard.press("s"),
            f"() => ({_value('Start', where)})() !== '{before}'", answered,
        )  # fmt: skip
        line = fields.get_by_role("textbox", name="Line 1", exact=True)
        mark = f"{round_}{step}{prefix[:1]}"
        line.fill(f"సవరణ {mark}")
        _timed(
            page, timings, f"{prefix}text fix (Ctrl+Enter)", lambda line=line: line.press("Control+Enter"),
            f"() => ({_value('Line 2', where)})() === 'savaraṇa {mark}'", answered,
        )  # fmt: skip


def _measure_form(page, job, runs: int, timings: dict) -> None:
    """The earlier page: type in the form, press "Apply edit", wait for the redrawn page (driver's clock)."""
    page.get_by_role("heading", name=job.stem).wait_for(timeout=120_000)
    page.wait_for_function(IMAGES_DRAWN, timeout=120_000)
    for run in range(runs):
        line = page.get_by_role("textbox", name="Line 1", exact=True)
        line.fill(f"పాత సవరణ {run}")
        wait_until_idle(page)
        started = time.perf_counter()
        page.get_by_role("button", name="Apply edit").click()
        page.get_by_text("unsaved edits").first.wait_for()
        page.wait_for_timeout(50)
        wait_until_idle(page)
        timings.setdefault("earlier form: type, Apply edit", {}).setdefault("driver", []).append(
            time.perf_counter() - started
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (recording, data, server log)")
    parser.add_argument(
        "--form-from", type=Path, help="a checkout with the earlier review form (before issue 23), timed beside it"
    )
    parser.add_argument(
        "--beside", type=Path, help="another checkout (e.g. `git worktree add /tmp/before <commit>`) timed in turns"
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
    timings = browser(job, env, args.runs, work / "server.log", args.form_from, args.beside)
    print("keystroke or mouse press (the browser's event time) to the updated page: shown = the result on")
    print("screen; settled = Python has applied it and the page's run has ended; driver = the test driver's")
    print("clock (adds its own overhead)")
    for label, kinds in timings.items():
        parts = []
        for kind, values in kinds.items():
            parts.append(f"{kind} median {statistics.median(values):.3f} s (max {max(values):.3f})")
        shown = kinds.get("shown")
        verdict = "" if shown is None else (" OK" if statistics.median(shown) <= 0.3 else " SLOW") + " (shown <= 0.3 s)"
        print(f"browser {label} [{len(next(iter(kinds.values())))} runs]: " + "; ".join(parts) + verdict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
