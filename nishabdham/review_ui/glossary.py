"""Add a reviewed term to the user's glossary (``<data_dir>/glossary.toml``) in one step.

The glossary itself is :mod:`nishabdham.pipeline.codeswitch.glossary`'s: its format, its checks and
its :func:`~nishabdham.pipeline.codeswitch.glossary.append_term`. This module turns what a reviewer
typed into a :class:`~nishabdham.pipeline.codeswitch.glossary.Term`, checks it with the glossary's
own reader before anything is written (a term the pipeline would refuse
never reaches the file, so transcription keeps working), and appends it under
a lock, so two reviewers adding terms at once both land.
"""

from __future__ import annotations

import fcntl
import json
import logging
import tempfile
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from nishabdham.errors import GlossaryError
from nishabdham.pipeline.codeswitch.glossary import KINDS, Term, append_term, read_terms
from nishabdham.pipeline.telugu import to_iso

__all__ = ["KINDS", "reviewed_term", "add_term", "user_glossary"]

log = logging.getLogger(__name__)

GLOSSARY_NAME = "glossary.toml"
ADDITIONS = "glossary-additions.jsonl"
"""Beside the glossary: who added which term, when, reviewing which job (the TOML has no field for it)."""


def user_glossary(data_dir: str | Path) -> Path:
    return Path(data_dir) / GLOSSARY_NAME


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def reviewed_term(telugu: str, gloss: str, kind: str = "term", iso: str = "", variants: Sequence[str] = ()) -> Term:
    """A glossary term from a reviewer's form, checked exactly as the pipeline will read it.

    ``iso`` may be left empty (it is derived from the Telugu); ``variants`` are
    the Latin spellings the machine wrote, lower-cased.
    """
    telugu = _clean(telugu)
    if not telugu:
        raise GlossaryError("a glossary term needs its Telugu spelling")
    spellings = []
    for variant in variants:
        variant = _clean(variant).lower()
        if variant and variant not in spellings:
            spellings.append(variant)
    term = Term(telugu, _clean(iso) or to_iso(telugu), kind, _clean(gloss), tuple(spellings))
    _check(term)
    return term


def _check(term: Term) -> None:
    """Refuse a term the glossary reader would refuse, with the reader's reason."""
    with tempfile.TemporaryDirectory(prefix="nishabdham-term-") as folder:
        probe = Path(folder) / GLOSSARY_NAME
        append_term(probe, term)
        try:
            read_terms(probe)
        except GlossaryError as exc:
            raise GlossaryError(exc.reason.split(": ", 1)[-1]) from None


def add_term(path: str | Path, term: Term, *, reviewer: str, job: str = "") -> Term:
    """Append ``term`` to the glossary at ``path`` (created if missing); refuse a term already there."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        append_term(path, term)
        record = {
            "telugu": term.telugu,
            "reviewer": reviewer,
            "job": job,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        with open(path.with_name(ADDITIONS), "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    log.info("%s added %s to the glossary %s", reviewer, term.telugu, path)
    return term
