"""The sign-in page: nothing else is shown before it (password, or OIDC through st.login)."""

from __future__ import annotations

import streamlit as st

from nishabdham.errors import AuthError
from nishabdham.review_ui.auth import auth_mode, reviewer_name, sign_in
from nishabdham.settings import Settings

REVIEWER_KEY = "reviewer"


def current_reviewer(settings: Settings) -> str | None:
    """The signed-in reviewer's name, or None."""
    if auth_mode(settings) == "oidc":
        user = st.user
        if not user.get("is_logged_in"):
            return None
        try:
            return reviewer_name(str(user.get("name") or user.get("email") or ""))
        except AuthError:
            return None
    return st.session_state.get(REVIEWER_KEY)


def sign_out(settings: Settings) -> None:
    st.session_state.clear()
    if auth_mode(settings) == "oidc":
        st.logout()


def render(settings: Settings) -> None:
    st.title("Nishabdham review")
    mode = auth_mode(settings)
    if mode == "oidc":
        st.write("Sign in with your organisation's account to review subtitles.")
        if st.button("Sign in", type="primary"):
            st.login(settings.review_oidc_provider or None)
        return
    with st.form("sign-in"):
        name = st.text_input("Your name", help="Recorded with every change you make.")
        password = st.text_input("Password", type="password") if mode == "password" else ""
        submitted = st.form_submit_button("Sign in", type="primary")
    if mode == "none":
        st.caption("No password is set (NISHABDHAM_REVIEW_PASSWORD): this only works on 127.0.0.1.")
    if submitted:
        try:
            st.session_state[REVIEWER_KEY] = sign_in(settings, name, password)
        except AuthError as exc:
            st.error(str(exc))
            return
        st.rerun()
