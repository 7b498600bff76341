"""The app around the pages: settings, the exposure check, sign-in, navigation."""

from __future__ import annotations

import logging

import streamlit as st

from app.errors import NishabdhamError
from app.settings import load_settings
from review_ui.auth import auth_mode, check_exposure
from review_ui.views import jobs, review, signin, upload
from review_ui.views.context import PageContext, show_flashes

log = logging.getLogger(__name__)


def run() -> None:
    st.set_page_config(page_title="Nishabdham review", page_icon="🎙️", layout="wide")
    try:
        settings = load_settings()
        check_exposure(str(st.get_option("server.address") or ""), auth_mode(settings))
    except NishabdhamError as exc:
        st.error(str(exc))
        st.stop()
    reviewer = signin.current_reviewer(settings)
    if reviewer is None:
        st.navigation([st.Page(lambda: signin.render(settings), title="Sign in", url_path="sign-in")], position="hidden").run()
        return
    ctx = PageContext(settings, reviewer)
    pages = [
        st.Page(lambda: jobs.render(ctx), title="Jobs", url_path="jobs", icon=":material/list:", default=True),
        st.Page(lambda: upload.render(ctx), title="Upload", url_path="upload", icon=":material/upload:"),
        st.Page(lambda: review.render(ctx), title="Review", url_path="review", icon=":material/edit_note:"),
    ]
    ctx.pages = {p.url_path: p for p in pages}
    page = st.navigation(pages)
    with st.sidebar:
        st.caption(f"Signed in as **{reviewer}**")
        if st.button("Sign out"):
            signin.sign_out(settings)
            st.rerun()
    show_flashes()
    page.run()
