"""Logging set-up for entry points (libraries only ask for named loggers)."""

from __future__ import annotations

import logging
import sys

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str | int = "WARNING") -> None:
    """Send log records to stderr at ``level``; quiet chatty third-party loggers."""
    if isinstance(level, str):
        level = logging.getLevelName(level.upper())
    root = logging.getLogger()
    if not any(getattr(h, "_nishabdham", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT, "%H:%M:%S"))
        handler._nishabdham = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("faster_whisper", "numba", "httpx", "urllib3", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
