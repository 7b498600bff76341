"""The review UI through streamlit.testing (AppTest): sign-in, the job list, navigation, an edit saved."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from nishabdham.review_ui.versions import VersionStore
from nishabdham.settings import load_settings
from tests.conftest import ROOT
from tests.review_support import finished_job, synthetic_reading

APP = str(ROOT / "nishabdham" / "review_ui" / "streamlit_app.py")


@pytest.fixture
def app(monkeypatch):
    import streamlit as st

    monkeypatch.setenv("NISHABDHAM_REVIEW_PASSWORD", "sesame")
    yield AppTest.from_file(APP, default_timeout=60)
    st.cache_resource.clear()


@pytest.fixture
def done_job(tmp_path, dev_data):
    audio, transcript = synthetic_reading(dev_data, tmp_path, 20_000, stem="kavita")
    return finished_job(load_settings(), audio, transcript)


def sign_in(at: AppTest, name: str = "Anu", password: str = "sesame") -> AppTest:
    at.run()
    name_box, password_box = at.text_input
    name_box.input(name)
    password_box.input(password)
    at.button[0].click()
    return at.run()


def texts(at: AppTest) -> str:
    return "\n".join(
        str(e.value) for kind in ("markdown", "caption", "title", "error", "info") for e in getattr(at, kind)
    )


def test_nothing_is_shown_before_sign_in(app):
    app.run()
    assert [t.value for t in app.title] == ["Nishabdham review"]
    assert len(app.text_input) == 2 and not app.sidebar.button
    assert "Jobs" not in texts(app)


def test_wrong_password_is_refused(app):
    sign_in(app, password="open sesame")
    assert [e.value for e in app.error] == ["wrong password"]
    assert "Signed in as" not in texts(app) and "reviewer" not in app.session_state


def test_sign_in_shows_the_jobs_and_records_the_name(app):
    sign_in(app, name="  Anu Rao ")
    assert not app.exception and not app.error
    assert app.session_state["reviewer"] == "Anu Rao"
    assert "Signed in as **Anu Rao**" in [m.value for m in app.sidebar.markdown] + [
        c.value for c in app.sidebar.caption
    ]
    assert [t.value for t in app.title] == ["Jobs"] and "No jobs yet." in texts(app)


def test_without_a_password_it_refuses_to_serve_every_interface(monkeypatch):
    monkeypatch.delenv("NISHABDHAM_REVIEW_PASSWORD", raising=False)
    at = AppTest.from_file(APP, default_timeout=60).run()  # AppTest's server.address is "" (every interface)
    assert any("without authentication" in e.value for e in at.error)
    assert not at.text_input


def open_job(at: AppTest, job_id: str) -> AppTest:
    at.selectbox(key="open-job").select(job_id)
    return at.button(key="open").click().run()


def test_job_list_shows_state_qa_and_review(app, done_job):
    sign_in(app)
    table = app.dataframe[0].value
    row = table[table["recording"] == "kavita"].iloc[0]
    assert (row["state"], row["QA"], row["review"], row["progress"]) == ("done", "cue-rules 2", "not reviewed", 1.0)
    assert row["audio"].startswith("0:2")
    assert app.selectbox(key="open-job").options == [f"kavita ({done_job.id})"]


def test_open_a_job_edit_a_cue_tag_it_and_save(app, done_job, tmp_path):
    sign_in(app)
    open_job(app, done_job.id)
    assert not app.exception, app.exception
    assert app.query_params.get("job") == done_job.id
    assert [t.value for t in app.title] == ["kavita"]
    suffix = f"{done_job.id}:c0001:0"
    app.text_area(key=f"text:{suffix}").input("కలసపాడు వంతెనపై నుంచి నీరు")
    app.multiselect(key=f"tags:{suffix}").select("cultural-term")
    next(b for b in app.button if b.label == "Apply edit").click().run()
    assert "unsaved edits" in texts(app) and "no unsaved edits" not in texts(app)
    app.button(key="save").click().run()
    assert any("Saved version 1" in s.value for s in app.success)
    store = VersionStore(load_settings().data_dir / "reviews")
    saved = store.load(done_job.id)
    assert saved.number == 1 and saved.reviewer == "Anu"
    assert (saved.cues[0].text, saved.cues[0].tags, saved.cues[0].edited_by) == (
        "కలసపాడు వంతెనపై నుంచి నీరు",
        ("cultural-term",),
        "Anu",
    )


def _edit(at: AppTest, job: str, cue: str, text: str) -> None:
    at.text_area(key=f"text:{job}:{cue}:0").input(text)
    next(b for b in at.button if b.label == "Apply edit").click().run()


def test_two_reviewers_saving_at_once_lose_nothing(app, done_job, monkeypatch):
    other = AppTest.from_file(APP, default_timeout=60)
    for at, name in ((app, "Anu"), (other, "Ravi")):
        sign_in(at, name=name)
        open_job(at, done_job.id)
    app.number_input(key=f"cue-no:{done_job.id}").set_value(1).run()
    _edit(app, done_job.id, "c0001", "అను సవరణ")
    other.number_input(key=f"cue-no:{done_job.id}").set_value(2).run()
    _edit(other, done_job.id, "c0002", "రవి సవరణ")
    app.button(key="save").click().run()
    other.button(key="save").click().run()
    assert any("Anu saved version 1" in w.value for w in other.warning)
    other.button(key="merge").click().run()
    assert any("0 place(s)" in m.value for m in other.markdown)
    other.button(key="use-merge").click().run()
    other.button(key="save").click().run()
    assert any("Saved version 2" in s.value for s in other.success)
    merged = VersionStore(load_settings().data_dir / "reviews").load(done_job.id)
    assert merged.number == 2 and merged.action == "merge" and merged.merged_from == (0, 1)
    assert [c.text for c in merged.cues[:2]] == ["అను సవరణ", "రవి సవరణ"]
    assert [c.edited_by for c in merged.cues[:2]] == ["Anu", "Ravi"]


def test_oidc_sign_in_offers_the_identity_provider_and_no_password(monkeypatch):
    monkeypatch.setenv("NISHABDHAM_REVIEW_OIDC", "true")
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "nishabdham",
        "client_secret": "s",
        "server_metadata_url": "https://idp.example/.well-known",
    }
    at.run()
    assert not at.exception and not at.error
    assert [b.label for b in at.button] == ["Sign in"] and not at.text_input
    assert "Jobs" not in texts(at)


def test_oidc_without_its_secrets_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("NISHABDHAM_REVIEW_OIDC", "true")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert any("[auth] section" in e.value for e in at.error)
    assert not at.button and not at.text_input


def test_split_undo_and_add_a_glossary_term_from_the_page(app, done_job):
    sign_in(app)
    open_job(app, done_job.id)
    job = done_job.id
    before = len(app.data_editor[0].value)
    app.selectbox(key=f"split-at:{job}:c0001:0").select(2)
    app.button(key=f"split:{job}:c0001:0").click().run()
    assert len(app.data_editor[0].value) == before + 1
    assert app.data_editor[0].value.iloc[0]["line 1"] == "కలసపాడు బ్రిడ్జిపై"
    app.button(key="undo").click().run()
    assert len(app.data_editor[0].value) == before and "no unsaved edits" in texts(app)

    suffix = f"{job}:c0001:2"
    form = next(t for t in app.text_input if t.label == "Term (Telugu)")
    assert form.value == ""  # the reviewer has not changed a word yet
    form.input("కలసపాడు")
    next(t for t in app.text_input if t.label == "What it is").input("a village in Kadapa district")
    next(t for t in app.text_input if t.label.startswith("Machine's spellings")).input("Kalasapadu")
    next(b for b in app.button if b.label == "Add to glossary").click().run()
    glossary = (load_settings().data_dir / "glossary.toml").read_text(encoding="utf-8")
    assert 'telugu = "కలసపాడు"' in glossary and 'variants = ["kalasapadu"]' in glossary
    assert any("Added కలసపాడు (kalasapāḍu) to the glossary" in s.value for s in app.success), suffix


def test_a_recording_without_speech_opens_with_nothing_to_edit(app, tmp_path):
    from nishabdham.types import Transcript, dumps
    from tests.conftest import write_wav

    audio = write_wav(tmp_path / "silence.wav", __import__("numpy").zeros(16000 * 3, dtype="float32"))
    transcript = tmp_path / "silence.json"
    transcript.write_text(dumps(Transcript("silence.wav", 3000, "te", 0.0, "test")), encoding="utf-8")
    job = finished_job(load_settings(), audio, transcript)
    sign_in(app)
    open_job(app, job.id)
    assert not app.exception, app.exception
    assert [t.value for t in app.title] == ["silence"] and "0 cues" in texts(app)


def test_shift_all_cues_from_the_toolbar(app, done_job):
    sign_in(app)
    open_job(app, done_job.id)
    first = app.data_editor[0].value.iloc[0]["start"]
    app.number_input(key=f"shift:{done_job.id}").set_value(250).run()
    app.button(key="shift-all").click().run()
    assert app.data_editor[0].value.iloc[0]["start"] == "0:00:00.400" and first == "0:00:00.150"


def test_line_two_follows_an_edited_line_one_when_it_was_a_transliteration(app, done_job):
    sign_in(app)
    open_job(app, done_job.id)
    suffix = f"{done_job.id}:c0001:0"
    assert app.checkbox(key=f"derive:{suffix}").value is True  # the synthetic second lines are ISO 15919
    app.text_area(key=f"text:{suffix}").input("కలసపాడు వంతెనపై")
    next(b for b in app.button if b.label == "Apply edit").click().run()
    row = app.data_editor[0].value.iloc[0]
    assert (row["line 1"], row["line 2"]) == ("కలసపాడు వంతెనపై", "kalasapāḍu vaṁtenapai")
