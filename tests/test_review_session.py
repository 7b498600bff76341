"""A sign-in that survives a page reload: a signed, expiring cookie (issue 23)."""

from __future__ import annotations

import pytest

from nishabdham.review_ui.auth import cookie_script, session_key, session_reviewer, session_token
from nishabdham.settings import Settings


def settings(tmp_path, password="sesame") -> Settings:
    return Settings(data_dir=tmp_path, review_password=password)


def test_a_token_names_its_reviewer_until_it_expires(tmp_path):
    key = session_key(settings(tmp_path))
    token = session_token(key, "Anu Rao", 3600, now=1000.0)
    assert session_reviewer(key, token, now=1000.0 + 3599) == "Anu Rao"
    assert session_reviewer(key, token, now=1000.0 + 3600) is None
    assert session_key(settings(tmp_path)) == key  # the secret is kept in the data folder
    assert (tmp_path / ".review-secret").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("tamper", ["body", "signature", "garbage", "empty"])
def test_a_forged_or_damaged_token_signs_nobody_in(tmp_path, tamper):
    key = session_key(settings(tmp_path))
    body, signature = session_token(key, "Anu", 3600).split(".")
    other = session_token(key, "Mallory", 3600).split(".")[0]
    token = {
        "body": f"{other}.{signature}",
        "signature": f"{body}.{'0' * len(signature)}",
        "garbage": "not a token",
        "empty": "",
    }[tamper]
    assert session_reviewer(key, token) is None


def test_a_new_password_or_another_server_secret_ends_the_session(tmp_path):
    token = session_token(session_key(settings(tmp_path)), "Anu", 3600)
    assert session_reviewer(session_key(settings(tmp_path, password="another")), token) is None
    assert session_reviewer(session_key(settings(tmp_path / "elsewhere")), token) is None


def test_the_cookie_is_strict_expiring_and_cleared_at_sign_out():
    script = cookie_script("abc.def", 7200)
    assert "Max-Age=7200" in script and "SameSite=Strict" in script and "abc.def" in script
    assert "Max-Age=0" in cookie_script(None, 7200) and "Secure" in cookie_script("t.s", 1, secure=True)
