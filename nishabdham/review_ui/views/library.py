"""Library page: add a published text to the poem library, search it, see where its poems were found."""

from __future__ import annotations

import streamlit as st

from nishabdham.errors import NishabdhamError
from nishabdham.review_ui import library as lib
from nishabdham.review_ui.recording import load_transcript
from nishabdham.review_ui.views.context import PageContext, flash


def render(ctx: PageContext) -> None:
    st.title("Poem library")
    folder = ctx.settings.library
    if not folder:
        st.info("No poem library is set: set `library` (NISHABDHAM_LIBRARY) to a folder of poem texts.")
        return
    st.caption(f"`{folder}`: recordings uploaded here are matched against it; see docs/LIBRARY.md.")
    _add_form(ctx, folder)
    _search(ctx, folder)
    _found(ctx)


def _add_form(ctx: PageContext, folder: str) -> None:
    with st.form("library-add", clear_on_submit=True):
        st.subheader("Add a text")
        upload = st.file_uploader("Poem text (UTF-8 .txt, one verse line per line)", type=["txt"])
        columns = st.columns(4)
        fields = {
            name: col.text_input(name.title()) for name, col in zip(("title", "poet", "metre", "source"), columns)
        }
        if st.form_submit_button("Add to the library") and upload is not None:
            try:
                path = lib.upload_poem(folder, upload.name, upload.getvalue(), **fields)
            except NishabdhamError as exc:
                st.error(str(exc))
                return
            flash("success", f"Added {path.name} to the library")
            st.rerun()


def _search(ctx: PageContext, folder: str) -> None:
    st.subheader("Search")
    query = st.text_input("Words of a line (Telugu, or romanized as heard)", key="library-query")
    if not query.strip():
        return
    try:
        rows = lib.search(folder, query, ctx.settings.library_index_dir())
    except NishabdhamError as exc:
        st.error(str(exc))
        return
    st.dataframe(rows or [{"result": "no line shares a sound with the query"}], hide_index=True)


def _found(ctx: PageContext) -> None:
    st.subheader("Where poems were found")
    rows = []
    for job in ctx.jobs.list_jobs(states=["done"], limit=500):
        transcript_path = job.transcript_path
        if transcript_path is None:
            continue
        try:
            transcript = load_transcript(transcript_path)
        except NishabdhamError:
            continue
        for poem in lib.poems_found(transcript):
            rows.append(
                {
                    "recording": job.source,
                    "poem": poem["title"],
                    "from (s)": poem["start_ms"] / 1000,
                    "to (s)": poem["end_ms"] / 1000,
                    "lines read": poem["lines_read"],
                    "margin": poem["margin"],
                }
            )
    if rows:
        st.dataframe(rows, hide_index=True)
    else:
        st.caption("No poem of the library has been found in a recording yet.")


def cue_match(ctx: PageContext, recording, cue, suffix: str) -> None:
    """On the cue panel: the library poem and line a cue shows, and one action to reject the match."""
    label = lib.match_label(cue, recording.transcript)
    if label is None:
        return
    st.caption(f"From the poem library: {label}")
    st.button(
        "Reject match (put back what was heard)",
        on_click=_reject,
        args=(ctx, recording, cue.id),
        key=f"library-reject:{suffix}",
    )


def _reject(ctx: PageContext, recording, cue_id: str) -> None:
    from nishabdham.review_ui.views.state import current, run_edit

    cue = next((c for c in current(recording.job).cues if c.id == cue_id), None)
    if cue is None:
        return
    try:
        back = lib.reject_match(cue, recording.transcript, recording.job, ctx.reviewer, ctx.data_dir)
    except NishabdhamError as exc:
        flash("error", str(exc))
        return
    run_edit(recording.job, lib.replace_cue, cue_id, back)
    flash("info", "Match rejected: the cue shows what was heard, and the rejection is in the evaluation set")
