"""Sign-in for the review UI: a shared password or OIDC, and a reviewer's name on every change.

Nothing is shown before sign-in. With a password (``NISHABDHAM_REVIEW_PASSWORD``)
the reviewer gives their name and the password; with OIDC (``st.login``,
configured in ``.streamlit/secrets.toml``) the name comes from the identity
provider. Without either, the UI only runs bound to a loopback address, and
still asks for a name. Failed passwords are throttled per process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import threading
import time
import unicodedata
from collections import deque
from pathlib import Path
from typing import Literal

from nishabdham.errors import AuthError
from nishabdham.settings import Settings

Mode = Literal["password", "oidc", "none"]


def auth_mode(settings: Settings) -> Mode:
    """How reviewers sign in, from the settings."""
    if settings.review_oidc:
        return "oidc"
    if settings.review_password.get_secret_value():
        return "password"
    return "none"


def is_loopback(address: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; an empty address means every interface."""
    address = address.strip().strip("[]")
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def check_exposure(address: str, mode: Mode) -> None:
    """Refuse to serve a non-loopback address without authentication."""
    if mode == "none" and not is_loopback(address):
        shown = address or "every network interface"
        raise AuthError(
            f"refusing to serve the review UI on {shown} without authentication: set "
            "NISHABDHAM_REVIEW_PASSWORD (or configure OIDC with NISHABDHAM_REVIEW_OIDC=true), "
            "or bind to 127.0.0.1"
        )


def reviewer_name(raw: str) -> str:
    """A reviewer's name as recorded with their changes (1-60 printable characters)."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        raise AuthError("enter your name: it is recorded with every change you make")
    if len(name) > 60 or any(unicodedata.category(ch).startswith("C") for ch in name):
        raise AuthError("a reviewer's name must be at most 60 printable characters")
    return name


class Throttle:
    """Refuses sign-in for a while after too many wrong passwords (process-wide)."""

    def __init__(self, limit: int = 5, window_s: float = 60.0, clock=time.monotonic) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._failures: deque[float] = deque()
        self._lock = threading.Lock()

    def _recent(self) -> int:
        cutoff = self.clock() - self.window_s
        while self._failures and self._failures[0] < cutoff:
            self._failures.popleft()
        return len(self._failures)

    def check(self) -> None:
        with self._lock:
            if self._recent() >= self.limit:
                wait = int(self._failures[0] + self.window_s - self.clock()) + 1
                raise AuthError(f"too many wrong passwords; try again in {wait} s")

    def failed(self) -> None:
        with self._lock:
            self._failures.append(self.clock())


THROTTLE = Throttle()


def sign_in(settings: Settings, name: str, password: str, throttle: Throttle = THROTTLE) -> str:
    """The reviewer's recorded name when ``password`` is right; AuthError otherwise."""
    mode = auth_mode(settings)
    if mode == "oidc":
        raise AuthError("this review UI signs in through the identity provider (OIDC), not a password")
    name = reviewer_name(name)
    if mode == "none":
        return name
    throttle.check()
    expected = settings.review_password.get_secret_value().encode("utf-8")
    if not hmac.compare_digest(password.encode("utf-8"), expected):
        throttle.failed()
        raise AuthError("wrong password")
    return name


# --------------------------------------------------------------------------- a session that survives a reload

SESSION_COOKIE = "nishabdham_review"
SECRET_FILE = ".review-secret"


def session_key(settings: Settings) -> bytes:
    """The key that signs session cookies: a random secret kept in the data folder, mixed with the
    password (a new password ends every session signed before it)."""
    path = Path(settings.data_dir) / SECRET_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another server process made it first
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
    secret = path.read_bytes()
    if len(secret) < 32:
        raise AuthError("the review sign-in secret is damaged; delete it to sign everyone out", path=path)
    password = settings.review_password.get_secret_value().encode("utf-8")
    return hmac.new(secret, b"review-session\0" + password, hashlib.sha256).digest()


def session_token(key: bytes, reviewer: str, lifetime_s: float, now: float | None = None) -> str:
    """A signed, expiring token naming the reviewer (the cookie's value)."""
    expires = int((time.time() if now is None else now) + lifetime_s)
    body = base64.urlsafe_b64encode(json.dumps({"n": reviewer, "e": expires}).encode()).decode().rstrip("=")
    return f"{body}.{_sign(key, body)}"


def session_reviewer(key: bytes, token: str | None, now: float | None = None) -> str | None:
    """The reviewer a token names, when its signature is right and it has not expired; None otherwise."""
    if not token or token.count(".") != 1:
        return None
    body, signature = token.split(".")
    if not hmac.compare_digest(signature, _sign(key, body)):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        name, expires = str(data["n"]), int(data["e"])
    except (ValueError, KeyError, TypeError):
        return None
    if expires <= (time.time() if now is None else now):
        return None
    try:
        return reviewer_name(name)
    except AuthError:
        return None


def _sign(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode("ascii"), hashlib.sha256).hexdigest()


def cookie_script(token: str | None, lifetime_s: float, secure: bool = False) -> str:
    """The script that sets (or, with no token, clears) the session cookie in the browser."""
    value = token or ""
    age = int(lifetime_s) if token else 0
    flags = "; Secure" if secure else ""
    return (
        f"<script>document.cookie = {json.dumps(SESSION_COOKIE)} + '=' + {json.dumps(value)}"
        f" + '; Max-Age={age}; Path=/; SameSite=Strict{flags}';</script>"
    )
