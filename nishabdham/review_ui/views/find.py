"""Find and replace across the recording, with a preview (each change through the one edit function)."""

from __future__ import annotations

import streamlit as st

from nishabdham.errors import NishabdhamError
from nishabdham.review_ui.edits import find_replace, find_replace_preview
from nishabdham.review_ui.recording import Recording
from nishabdham.review_ui.views.state import current, run_edit


def render(recording: Recording) -> None:
    """Find and replace in line 1 across the recording: a preview first, then one undoable edit."""
    job = recording.job
    with st.expander("Find and replace"):
        a, b, c, d = st.columns([3, 3, 1, 1], vertical_alignment="bottom")
        find = a.text_input("Find", key=f"find:{job}")
        replacement = b.text_input("Replace with", key=f"replace:{job}")
        regex = c.checkbox("Regular expression", key=f"regex:{job}")
        case = d.checkbox("Match case", value=True, key=f"case:{job}")
        if not find:
            return
        try:
            matches = find_replace_preview(current(job).cues, find, replacement, regex=regex, case=case)
        except NishabdhamError as exc:
            st.error(str(exc))
            return
        st.caption(f"{len(matches)} cue(s) would change (line 2 follows where it is the transliteration).")
        if matches:
            st.dataframe(
                [
                    {"cue": m.number, "before": m.before, "after": m.after, "line 2 after": m.second_after}
                    for m in matches
                ],
                hide_index=True,
                width="stretch",
                key=f"find-preview:{job}",
            )
            st.button(
                f"Replace in {len(matches)} cue(s)",
                on_click=run_edit,
                args=(job, find_replace, find, replacement, recording.duration_ms),
                kwargs={"regex": regex, "case": case},
                key=f"replace-all:{job}",
            )
