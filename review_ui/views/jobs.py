"""Jobs page: every job with state, stage, progress, duration, QA flags and review results; open one."""

from __future__ import annotations

import streamlit as st

from app.errors import NishabdhamError
from review_ui.jobs import job_row, review_status
from review_ui.views.context import PageContext

REFRESH_S = 2.0


def render(ctx: PageContext) -> None:
    st.title("Jobs")
    try:
        jobs = ctx.jobs.list_jobs(limit=200)
    except NishabdhamError as exc:
        st.error(str(exc))
        return
    if not jobs:
        st.info("No jobs yet.")
        st.page_link(ctx.pages["upload"], label="Upload a recording", icon=":material/upload:")
        return
    running = any(not j.finished for j in jobs)
    st.fragment(run_every=REFRESH_S if running else None)(_job_table)(ctx, running)


def _job_table(ctx: PageContext, was_running: bool) -> None:
    jobs = ctx.jobs.list_jobs(limit=200)
    if was_running and all(j.finished for j in jobs):
        st.rerun()  # the last job finished: stop refreshing
    header = st.columns([3, 3, 1, 1, 2, 2, 1, 1, 1])
    for column, title in zip(header, ("Recording", "State", "Audio", "Took", "QA flags", "Review", "CER", "WER", "")):
        column.markdown(f"**{title}**")
    for job in jobs:
        row = job_row(job, review_status(ctx.data_dir, job.id))
        cells = st.columns([3, 3, 1, 1, 2, 2, 1, 1, 1], vertical_alignment="center")
        cells[0].write(row["recording"])
        if job.finished:
            cells[1].write(row["state"] if not row["error"] else f"{row['state']}: {row['error']}")
        else:
            label = f"{row['state']} · {row['stage'] or 'waiting'} · {row['progress']:.0%}"
            cells[1].progress(min(max(row["progress"], 0.0), 1.0), text=label)
        cells[2].write(row["audio"])
        cells[3].write(row["took"])
        cells[4].write(row["QA"])
        cells[5].write(row["review"])
        cells[6].write("" if row["CER"] is None else f"{row['CER']:.1%}")
        cells[7].write("" if row["WER"] is None else f"{row['WER']:.1%}")
        if job.state == "done" and cells[8].button("Open", key=f"open:{job.id}", icon=":material/edit:"):
            st.switch_page(ctx.pages["review"], query_params={"job": job.id})
