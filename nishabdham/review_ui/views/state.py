"""A reviewer's working copy in ``st.session_state``: the edit session, its revision, and edits."""

from __future__ import annotations

import streamlit as st

from nishabdham.errors import NishabdhamError
from nishabdham.review_ui.editing import EditSession
from nishabdham.review_ui.views.context import flash


def session_key(job: str) -> str:
    return f"edit:{job}"


def current(job: str) -> EditSession:
    return st.session_state[session_key(job)]


def update(job: str, session: EditSession) -> None:
    """Store the new working copy; when its cues changed, widgets keyed on the revision start again."""
    key = session_key(job)
    changed = key not in st.session_state or st.session_state[key].cues is not session.cues
    st.session_state[key] = session
    if changed:
        st.session_state[f"rev:{job}"] = revision(job) + 1


def revision(job: str) -> int:
    return st.session_state.get(f"rev:{job}", 0)


def run_edit(job: str, operation, *args, **kwargs) -> None:
    """Apply one edit operation to the working copy; a refused edit becomes a message."""
    try:
        update(job, current(job).apply(operation, *args, **kwargs))
    except NishabdhamError as exc:
        flash("error", str(exc))
