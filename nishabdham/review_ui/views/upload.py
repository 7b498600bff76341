"""Upload page: one or more recordings become jobs on the worker queue."""

from __future__ import annotations

import logging

import streamlit as st

from nishabdham.errors import NishabdhamError
from nishabdham.review_ui.jobs import submit_upload
from nishabdham.review_ui.uploads import AUDIO_TYPES, save_text, save_upload
from nishabdham.review_ui.views.context import PageContext, flash

log = logging.getLogger(__name__)

#: Streamlit states why it refused a file (too large, wrong type) only to screen readers and in a
#: tooltip; this shows that statement in the file's row, in red, for everyone.
_SHOW_REFUSALS = """<style>
[data-testid="stFileUploader"] [role="alert"] {
  position: static !important; width: auto !important; height: auto !important; margin: 0 0 0 .5rem !important;
  clip: auto !important; clip-path: none !important; overflow: visible !important; white-space: normal !important;
  color: #c62828; font-size: .85rem;
}
</style>"""


def render(ctx: PageContext) -> None:
    st.title("Upload recordings")
    limit = ctx.settings.review_max_upload_mb
    st.caption(f"Audio or video files up to {limit} MB each. Each becomes a job; follow it on the Jobs page.")
    st.html(_SHOW_REFUSALS)
    generation = st.session_state.setdefault("upload-generation", 0)
    files = st.file_uploader(
        "Recordings",
        type=list(AUDIO_TYPES),
        accept_multiple_files=True,
        max_upload_size=limit,
        key=f"uploader-{generation}",
    )
    text = st.text_area(
        "Published text (optional)",
        key=f"text-{generation}",
        help="The poem as published: one verse line per line, blank lines between stanzas. The subtitles "
        "then carry this text, timed to the reading; what the reader adds is transcribed. For one recording.",
    )
    if st.button("Subtitle these recordings", type="primary", disabled=not files):
        if text.strip() and len(files) > 1:
            flash("error", "A published text belongs to one recording: upload that recording alone with it.")
            st.rerun()
        _submit(ctx, files, limit, text)
        st.session_state["upload-generation"] = generation + 1
        st.rerun()
    st.page_link(ctx.pages["jobs"], label="Follow them on the Jobs page", icon=":material/list:")


def _submit(ctx: PageContext, files, limit: int, text: str = "") -> None:
    """Store and submit every file (with its text, if given); a refused file is reported and the others go on."""
    for upload in files:
        try:
            path = save_upload(ctx.data_dir, upload.name, upload, upload.size, limit)
            save_text(path, text)
            result = submit_upload(ctx.jobs, ctx.settings, path)
        except NishabdhamError as exc:
            flash("error", f"{upload.name}: {exc}")
            continue
        log.info("%s uploaded %s as job %s", ctx.reviewer, path.name, result.job.id)
        if result.sent:
            flash("success", f"{path.name}: job {result.job.id} is on the queue")
        else:
            flash("info", f"{path.name}: job {result.job.id} — {result.note}")
