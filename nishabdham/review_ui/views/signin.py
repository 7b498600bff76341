"""The sign-in page: nothing else is shown before it (password, or OIDC through st.login)."""

from __future__ import annotations

import streamlit as st

from nishabdham.errors import AuthError
from nishabdham.review_ui.auth import (
    SESSION_COOKIE,
    auth_mode,
    cookie_script,
    reviewer_name,
    session_key,
    session_reviewer,
    session_token,
    sign_in,
)
from nishabdham.settings import Settings

REVIEWER_KEY = "reviewer"
COOKIE_PENDING = "session-cookie"
SIGNED_OUT = "signed-out"


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
    fresh = REVIEWER_KEY not in st.session_state and not st.session_state.get(SIGNED_OUT)
    if fresh and settings.review_session_hours > 0:
        try:
            name = session_reviewer(session_key(settings), st.context.cookies.get(SESSION_COOKIE))
        except (AuthError, OSError):
            name = None
        if name is not None:  # signed in before this reload, and the cookie has not expired
            st.session_state[REVIEWER_KEY] = name
    return st.session_state.get(REVIEWER_KEY)


def _lifetime_s(settings: Settings) -> float:
    return settings.review_session_hours * 3600


def remember(settings: Settings, name: str) -> None:
    """After a sign-in: the signed cookie is set on the next run (a script in the page sets it)."""
    if settings.review_session_hours > 0:
        st.session_state[COOKIE_PENDING] = session_token(session_key(settings), name, _lifetime_s(settings))


def set_cookie_if_pending(settings: Settings) -> None:
    """Send the browser the cookie of a sign-in (or its removal at sign-out), once."""
    token = st.session_state.pop(COOKIE_PENDING, None)
    if token is None:
        return
    secure = str(getattr(st.context, "url", "") or "").startswith("https:")
    with st.container(height=1, border=False):
        st.html(cookie_script(token or None, _lifetime_s(settings), secure), unsafe_allow_javascript=True)


def sign_out(settings: Settings) -> None:
    st.session_state.clear()
    st.session_state[COOKIE_PENDING] = ""  # clears the cookie on the sign-in page
    st.session_state[SIGNED_OUT] = True  # this page's connection still carries the old cookie
    if auth_mode(settings) == "oidc":
        st.logout()


def render(settings: Settings) -> None:
    set_cookie_if_pending(settings)
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
            remember(settings, st.session_state[REVIEWER_KEY])
        except (AuthError, OSError) as exc:
            st.error(str(exc))
            return
        st.rerun()
