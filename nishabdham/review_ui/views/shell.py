"""The app around the pages: settings, the exposure check, sign-in, navigation."""

from __future__ import annotations

import logging

import streamlit as st

from nishabdham.errors import ConfigError, NishabdhamError
from nishabdham.review_ui.auth import auth_mode, check_exposure
from nishabdham.review_ui.views import jobs, library, models, review, signin, upload
from nishabdham.review_ui.views.context import PageContext, show_flashes
from nishabdham.settings import load_settings

log = logging.getLogger(__name__)


def run() -> None:
    st.set_page_config(page_title="Nishabdham review", page_icon="🎙️", layout="wide")
    try:
        settings = load_settings()
        check_exposure(str(st.get_option("server.address") or ""), auth_mode(settings))
        if auth_mode(settings) == "oidc" and not _oidc_configured():
            raise ConfigError(
                "NISHABDHAM_REVIEW_OIDC is on, but .streamlit/secrets.toml has no [auth] section "
                "(redirect_uri, cookie_secret, client_id, client_secret, server_metadata_url)"
            )
    except NishabdhamError as exc:
        st.error(str(exc))
        st.stop()
    reviewer = signin.current_reviewer(settings)
    ctx = PageContext(settings, reviewer or "")
    ctx.pages = {
        "jobs": st.Page(lambda: jobs.render(ctx), title="Jobs", url_path="jobs", icon=":material/list:", default=True),
        "upload": st.Page(lambda: upload.render(ctx), title="Upload", url_path="upload", icon=":material/upload:"),
        "review": st.Page(lambda: review.render(ctx), title="Review", url_path="review", icon=":material/edit_note:"),
        "library": st.Page(lambda: library.render(ctx), title="Library", url_path="library", icon=":material/book:"),
        "models": st.Page(
            lambda: models.render(ctx), title="Models", url_path="models", icon=":material/model_training:"
        ),
    }
    # Every page is registered even before sign-in, so a link to /review?job=... survives signing in;
    # but nothing of a page runs until then.
    page = st.navigation(list(ctx.pages.values()), position="sidebar" if reviewer else "hidden")
    if reviewer is None:
        signin.render(settings)
        return
    with st.sidebar:
        st.caption(f"Signed in as **{reviewer}**")
        if st.button("Sign out"):
            signin.sign_out(settings)
            st.rerun()
    signin.set_cookie_if_pending(settings)
    show_flashes()
    page.run()


def _oidc_configured() -> bool:
    """True when Streamlit's secrets hold the [auth] section st.login needs."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets
