"""The containers' health checks (Docker's HEALTHCHECK): exit 0 when healthy, 1 with the reason.

    python healthcheck.py worker          # this container's Celery worker answers a ping over the broker
    python healthcheck.py review [PORT]   # the review UI's health page answers "ok" (default port 8501)

A worker's node is ``nishabdham-<pid>@<host>~<pid namespace>`` (``nishabdham worker``): the
check pings every worker and looks for the one whose host is this container's, so two
containers sharing the machine's name (host networking) are told apart.
"""

from __future__ import annotations

import sys
import urllib.request


def worker() -> str:
    # A bare Celery app on the worker's broker: the settings and the pipeline are not imported, so
    # the check costs about a second of CPU, not the several a full start of the app would.
    import os

    from celery import Celery

    from nishabdham.workers.jobs import host_id

    me = "@" + host_id()
    app = Celery("healthcheck", broker=os.environ.get("NISHABDHAM_BROKER_URL", "redis://127.0.0.1:6379/0"))
    app.conf.broker_connection_retry_on_startup = False
    try:
        replies = app.control.ping(timeout=3.0)
    except Exception as exc:  # the broker is away: the worker cannot work either
        return f"no answer from the broker: {exc}"
    nodes = [name for reply in replies for name in reply]
    if any(name.endswith(me) for name in nodes):
        return ""
    return f"no worker on {me[1:]} answered a ping (answered: {', '.join(nodes) or 'none'})"


def review(port: int = 8501) -> str:
    url = f"http://127.0.0.1:{port}/_stcore/health"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read().decode("utf-8", "replace").strip()
    except OSError as exc:
        return f"{url}: {exc}"
    return "" if body == "ok" else f"{url} answered {body!r}"


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("worker", "review"):
        print("usage: healthcheck.py worker | review [PORT]", file=sys.stderr)
        return 2
    problem = worker() if argv[0] == "worker" else review(*map(int, argv[1:2]))
    print(problem or "healthy")
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
