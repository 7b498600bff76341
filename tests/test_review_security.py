"""Security of the review UI: sign-in, exposure, upload names and sizes."""

from __future__ import annotations

import io

import pytest

from nishabdham.errors import AuthError, UploadError
from nishabdham.review_ui.auth import Throttle, auth_mode, check_exposure, is_loopback, reviewer_name, sign_in
from nishabdham.review_ui.uploads import MB, safe_name, save_upload, uploads_dir
from nishabdham.settings import load_settings


def settings(**overrides):
    return load_settings(**overrides)


def test_wrong_password_is_refused_and_right_one_signs_in():
    s = settings(review_password="sesame")
    throttle = Throttle()
    with pytest.raises(AuthError, match="wrong password"):
        sign_in(s, "Anu", "Sesame", throttle)
    with pytest.raises(AuthError, match="wrong password"):
        sign_in(s, "Anu", "", throttle)
    assert sign_in(s, "  Anu   Rao ", "sesame", throttle) == "Anu Rao"


def test_password_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("NISHABDHAM_REVIEW_PASSWORD", "from-env")
    s = load_settings()
    assert auth_mode(s) == "password"
    assert "from-env" not in repr(s)  # a secret, never printed
    assert sign_in(s, "Anu", "from-env", Throttle()) == "Anu"


def test_too_many_wrong_passwords_lock_sign_in_for_a_while():
    now = [1000.0]
    throttle = Throttle(limit=3, window_s=60, clock=lambda: now[0])
    s = settings(review_password="sesame")
    for _ in range(3):
        with pytest.raises(AuthError, match="wrong password"):
            sign_in(s, "x", "guess", throttle)
    with pytest.raises(AuthError, match="too many wrong passwords"):
        sign_in(s, "x", "sesame", throttle)  # even the right one, until the window passes
    now[0] += 61
    assert sign_in(s, "x", "sesame", throttle) == "x"


def test_a_name_is_required_with_every_sign_in():
    with pytest.raises(AuthError, match="enter your name"):
        sign_in(settings(review_password="sesame"), " ", "sesame", Throttle())
    with pytest.raises(AuthError, match="printable"):
        reviewer_name("Anu\x00")


@pytest.mark.parametrize(
    "address,loopback",
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("127.1.2.3", True),
        ("0.0.0.0", False),
        ("", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_loopback_addresses(address, loopback):
    assert is_loopback(address) is loopback


def test_non_loopback_needs_authentication():
    check_exposure("127.0.0.1", "none")
    check_exposure("0.0.0.0", "password")
    check_exposure("0.0.0.0", "oidc")
    with pytest.raises(AuthError, match="refusing to serve the review UI on 0.0.0.0 without authentication"):
        check_exposure("0.0.0.0", "none")


@pytest.mark.parametrize(
    "raw,safe",
    [
        ("../../x.wav", "x.wav"),
        ("..\\..\\windows\\x.WAV", "x.wav"),
        ("/etc/passwd", "passwd"),
        ("....wav", "recording.wav"),
        (".bashrc", "recording.bashrc"),
        ("a\x00b\nc.mp3", "abc.mp3"),
        ("పోతన భాగవతం.m4a", "పోతన భాగవతం.m4a"),
        ("rm -rf $(x);.flac", "rm -rf _(x).flac"),
        ("", "recording"),
    ],
)
def test_safe_names(raw, safe):
    assert safe_name(raw) == safe


@pytest.mark.parametrize(
    "raw", ["../../x.wav", "../../../../../../tmp/evil.wav", "/abs/evil.wav", "..\\evil.wav", "../.."]
)
def test_path_traversal_upload_names_stay_inside_the_uploads_folder(tmp_path, raw):
    data_dir = tmp_path / "data"
    name = raw if raw.endswith(".wav") else raw + ".wav"
    path = save_upload(data_dir, name, b"RIFF....", 8, limit_mb=1)
    root = uploads_dir(data_dir).resolve()
    assert root in path.resolve().parents and path.read_bytes() == b"RIFF...."
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == [path]


def test_oversized_upload_is_refused_with_a_clear_message(tmp_path):
    big = io.BytesIO(b"\0" * (2 * MB + 1))
    with pytest.raises(
        UploadError, match=r"reading.wav is 2.0 MB; recordings may be at most 2 MB \(NISHABDHAM_REVIEW_MAX_UPLOAD_MB\)"
    ):
        save_upload(tmp_path, "reading.wav", big, 2 * MB + 1, limit_mb=2)
    assert not uploads_dir(tmp_path).exists() or not any(uploads_dir(tmp_path).rglob("*.wav"))


def test_a_stream_longer_than_it_claimed_is_cut_off_and_removed(tmp_path):
    with pytest.raises(UploadError, match="larger than 1 MB"):
        save_upload(tmp_path, "reading.wav", io.BytesIO(b"\0" * (MB + 10)), 10, limit_mb=1)
    assert not any(uploads_dir(tmp_path).rglob("*"))


@pytest.mark.parametrize("name,size,message", [("notes.txt", 10, "not a recording type"), ("a.wav", 0, "empty")])
def test_other_refusals(tmp_path, name, size, message):
    with pytest.raises(UploadError, match=message):
        save_upload(tmp_path, name, b"x" * size, size, limit_mb=1)


def test_review_command_refuses_a_public_address_without_authentication(capsys):
    from nishabdham.app.cli import main

    assert main(["review", "--address", "0.0.0.0", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "refusing to serve the review UI on 0.0.0.0 without authentication" in err


def test_review_command_passes_the_upload_limit_to_streamlit():
    from nishabdham.app.cli.review import APP, streamlit_command

    command = streamlit_command(APP, 8600, "127.0.0.1", 42)
    assert APP.is_file() and command[command.index("--server.maxUploadSize") + 1] == "42"
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
