"""Jobs page: every job with state, stage, progress, duration, QA flags and review results; open one."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from nishabdham.errors import NishabdhamError
from nishabdham.review_ui.jobs import error_reason, job_row, review_status, transcript_warnings
from nishabdham.review_ui.media import prepare_in_background
from nishabdham.review_ui.recording import reviews_dir
from nishabdham.review_ui.views.context import PageContext

REFRESH_S = 2.0
COLUMNS = {
    "recording": st.column_config.TextColumn("Recording"),
    "state": st.column_config.TextColumn("State", width="small"),
    "stage": st.column_config.TextColumn("Stage", width="small"),
    "progress": st.column_config.ProgressColumn(
        "Progress", min_value=0.0, max_value=1.0, format="percent", width="small"
    ),
    "audio": st.column_config.TextColumn("Audio", width="small"),
    "took": st.column_config.TextColumn("Took", width="small"),
    "QA": st.column_config.TextColumn("QA flags"),
    "review": st.column_config.TextColumn("Review"),
    "CER": st.column_config.NumberColumn("CER", format="percent", width="small"),
    "WER": st.column_config.NumberColumn("WER", format="percent", width="small"),
    "error": st.column_config.TextColumn("Error"),
}


def render(ctx: PageContext) -> None:
    st.title("Jobs")
    try:
        jobs = ctx.jobs.list_jobs(limit=500)
    except NishabdhamError as exc:
        st.error(str(exc))
        return
    if not jobs:
        st.info("No jobs yet.")
        st.page_link(ctx.pages["upload"], label="Upload a recording", icon=":material/upload:")
        return
    running = any(not j.finished for j in jobs)
    st.fragment(run_every=REFRESH_S if running else None)(_job_table)(ctx, running)
    done = [j for j in jobs if j.state == "done"]
    if not done:
        return
    with st.container(horizontal=True, vertical_alignment="bottom"):
        names = {j.id: f"{j.stem} ({j.id})" for j in done}
        chosen = st.selectbox("Review", list(names), format_func=names.get, key="open-job", width=420)
        if st.button("Open", key="open", type="primary", icon=":material/edit:"):
            st.switch_page(ctx.pages["review"], query_params={"job": chosen})


def _job_table(ctx: PageContext, was_running: bool) -> None:
    jobs = ctx.jobs.list_jobs(limit=500)
    if was_running and all(j.finished for j in jobs):
        st.rerun()  # the last job finished: stop refreshing, offer it for review
    rows = [job_row(job, review_status(ctx.data_dir, job.id), _warnings(job)) for job in jobs]
    for job in jobs:  # the first opening of a finished recording should not wait for its audio
        if job.state == "done":
            prepare_in_background(job.source, reviews_dir(ctx.data_dir) / job.id, ctx.settings.normalize)
    st.dataframe(rows, column_order=list(COLUMNS), column_config=COLUMNS, hide_index=True, width="stretch")
    for job in jobs:
        if job.state == "failed" and job.error:
            st.error(f"**{job.stem}** failed: {error_reason(job.error)}", icon=":material/error:")


def _warnings(job) -> tuple[str, ...]:
    """The pipeline's warnings of a finished job (read once per transcript file)."""
    if job.state != "done" or job.transcript_path is None:
        return ()
    path = Path(job.transcript_path)
    return _read_warnings(str(path), path.stat().st_mtime if path.exists() else 0.0)


@st.cache_data(max_entries=1000, show_spinner=False)
def _read_warnings(path: str, mtime: float) -> tuple[str, ...]:
    return transcript_warnings(path)
