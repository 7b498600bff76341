"""``nishabdham review [--port N] [--address HOST]``: the review UI in the browser (Streamlit).

Reviewers sign in (NISHABDHAM_REVIEW_PASSWORD, or OIDC), upload recordings,
follow their jobs, correct and tag cues, save versions and approve. Without
authentication the UI only listens on a loopback address.
"""

from __future__ import annotations

import argparse
import logging
import os
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
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 130
