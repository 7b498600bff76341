"""A reviewer's working copy in ``st.session_state``: the edit session, its revision, its draft, and edits."""

from __future__ import annotations

import logging

import streamlit as st

from nishabdham.errors import NishabdhamError
from nishabdham.review_ui.drafts import DRAFTS
from nishabdham.review_ui.edits import CueEdit, apply_edit
from nishabdham.review_ui.session import EditSession
from nishabdham.review_ui.views.context import flash

log = logging.getLogger(__name__)


def session_key(job: str) -> str:
    return f"edit:{job}"


def current(job: str) -> EditSession:
    return st.session_state[session_key(job)]


def update(job: str, session: EditSession) -> None:
    """Store the new working copy and keep its draft on disk; when its cues changed, widgets keyed on
    the revision start again."""
    key = session_key(job)
    changed = key not in st.session_state or st.session_state[key].cues is not session.cues
    st.session_state[key] = session
    if changed:
        st.session_state[f"rev:{job}"] = revision(job) + 1
        keep_draft(job, session)


def keep_draft(job: str, session: EditSession) -> None:
    """Write the reviewer's draft (or remove it when there is nothing unsaved)."""
    target = st.session_state.get(f"draft:{job}")
    if target is None:
        return
    path, reviewer = target
    DRAFTS.submit(path, job, reviewer, session.base_version, session.cues if session.dirty else None)


def revision(job: str) -> int:
    return st.session_state.get(f"rev:{job}", 0)


def run_edit(job: str, operation, *args, **kwargs) -> bool:
    """Apply one edit operation to the working copy; a refused edit becomes a message (and False)."""
    try:
        update(job, current(job).apply(operation, *args, **kwargs))
    except NishabdhamError as exc:
        flash("error", str(exc))
        return False
    return True


def edit_cue(job: str, edit: CueEdit) -> bool:
    """The one way a page applies a change to a cue (form, table, waveform, shortcuts)."""
    return run_edit(job, apply_edit, edit, current(job).duration_ms)
