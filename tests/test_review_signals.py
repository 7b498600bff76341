"""`nishabdham review` passes SIGTERM and SIGINT to its Streamlit server and never leaves it behind (issue 23, bug 7).

A real `nishabdham review` subprocess: the signal goes to it alone (not its process group, as a service
manager or `kill PID` does), and afterwards no Streamlit server of it is left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.browser_support import ROOT, _wait_healthy
from tests.queue_support import free_port


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(p) for p in task.read_text().split()]
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_review_command_stops_its_server(sig, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "NISHABDHAM_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    log_path = tmp_path / "review.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nishabdham", "review", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", proc, log_path)
        servers = _children(proc.pid)
        assert servers and all(_running(p) for p in servers), "the Streamlit server is not a child of the command"
        os.kill(proc.pid, sig)  # the command alone, not its process group
        assert proc.wait(timeout=30) == 128 + sig
        deadline = time.monotonic() + 10
        while any(_running(p) for p in servers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_running(p) for p in servers), f"server left running after {sig.name}"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
