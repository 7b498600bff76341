"""A real browser on the real review UI: `nishabdham review` as a subprocess, Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.queue_support import free_port

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("NISHABDHAM_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@contextmanager
def review_server(env: dict[str, str], log_path: Path, port: int | None = None, root: Path = ROOT) -> Iterator[str]:
    """Run ``nishabdham review`` (the code in ``root``) on a free port until the block ends; yields its URL."""
    port = port or free_port()
    full_env = {**os.environ, **env, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nishabdham", "review", "--port", str(port)],
            cwd=root, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log_path)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_healthy(url: str, proc: subprocess.Popen, log_path: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the review server exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the review server did not answer in {timeout_s} s:\n{log_path.read_text()[-3000:]}")


@contextmanager
def chromium() -> Iterator:
    """A headless Debian Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run `make setup` (installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def wait_for_run(page, timeout_ms: int = 30_000, settle_ms: int = 400) -> None:
    """Wait until the app's script has finished the run an action started.

    Streamlit takes a moment to start the rerun after a click, so first wait
    ``settle_ms``; where a test knows what the run will show, it waits for that.
    """
    page.wait_for_timeout(settle_ms)
    wait_until_idle(page, timeout_ms)


def wait_until_idle(page, timeout_ms: int = 30_000) -> None:
    """Wait until the app is connected and no script run is going on."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout_ms)
    page.wait_for_function(
        "() => { const app = document.querySelector(\"[data-testid='stApp']\");"
        " return app && app.getAttribute('data-test-script-state') === 'notRunning'; }",
        timeout=timeout_ms,
    )


def sign_in(page, url: str, name: str, password: str) -> None:
    """Open the app and sign in (the test checks what the page shows next)."""
    page.goto(url)
    wait_until_idle(page)
    page.get_by_role("textbox", name="Your name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_for_run(page)


def go_to(page, title: str) -> None:
    """Follow the sidebar's link to a page and wait for it."""
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=title).click()
    wait_for_run(page)
