"""``nishabdham review [--port N] [--address HOST]``: the review UI in the browser (Streamlit).

Reviewers sign in (NISHABDHAM_REVIEW_PASSWORD, or OIDC), upload recordings,
follow their jobs, correct and tag cues, save versions and approve. Without
authentication the UI only listens on a loopback address.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

from nishabdham.app.cli.common import settings_from
from nishabdham.errors import DependencyError

log = logging.getLogger(__name__)

APP = Path(__file__).resolve().parents[2] / "review_ui" / "streamlit_app.py"


def register(subparsers) -> None:
    parser = subparsers.add_parser("review", help="review and correct subtitles in the browser", description=__doc__)
    parser.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501)")
    parser.add_argument(
        "--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1; another needs authentication)"
    )
    parser.set_defaults(func=run)


def streamlit_command(app: Path, port: int, address: str, max_upload_mb: int) -> list[str]:
    """The ``streamlit run`` command line for the review UI."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(port),
        "--server.address", address,
        "--server.headless", "true",
        "--server.maxUploadSize", str(max_upload_mb),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from nishabdham.review_ui.auth import auth_mode, check_exposure

    settings = settings_from(args)
    check_exposure(args.address, auth_mode(settings))
    try:
        import streamlit  # noqa: F401
    except ImportError as exc:
        raise DependencyError("the review UI needs Streamlit: pip install 'nishabdham[review]'") from exc
    env = dict(os.environ)
    if getattr(args, "config", None):
        env["NISHABDHAM_CONFIG"] = str(Path(args.config).resolve())
    command = streamlit_command(APP, args.port, args.address, settings.review_max_upload_mb)
    print(f"review UI on http://{args.address}:{args.port}/ (Ctrl+C stops it)", file=sys.stderr, flush=True)
    return serve(command, env)


#: Signals passed on to the Streamlit server (it stops on each); the server never outlives this process.
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def serve(command: list[str], env: dict[str, str], stop_timeout_s: float = 10.0) -> int:
    """Run the server until it exits; SIGTERM, SIGINT and SIGHUP are forwarded to it, and whatever
    happens here (an error, a second signal) it is stopped before this returns."""
    procs: list[subprocess.Popen] = []
    received: list[int] = []

    def forward(signum, _frame) -> None:
        received.append(signum)
        if procs and procs[0].poll() is None:
            procs[0].send_signal(signal.SIGTERM if signum == signal.SIGHUP else signum)

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    try:
        procs.append(subprocess.Popen(command, env=env))
        if received:  # a signal came while the server was starting
            forward(received[0], None)
        code = procs[0].wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if procs:
            _stop(procs[0], stop_timeout_s)
    if received:
        log.info("review UI stopped by %s", signal.Signals(received[0]).name)
        return 128 + received[0]
    return code


def _stop(proc: subprocess.Popen, timeout_s: float) -> None:
    """Stop the server if it still runs: SIGTERM, then SIGKILL after ``timeout_s``."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        log.warning("the review server did not stop in %.0f s; killing it", timeout_s)
        proc.kill()
        proc.wait()
