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
    # AppTest cannot run a custom component: these tests use the page without the waveform editor, whose
    # form has the cue's lines and times (the browser suite drives the waveform editor).
    monkeypatch.setattr("nishabdham.review_ui.views.wave.available", lambda: False)
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
    app.text_area(key=f"text:{suffix}").input("కలసపాడు వంతెనపై నుంచి నీరు").run()  # applied as it changes
    app.multiselect(key=f"tags:{done_job.id}:c0001:1").select("cultural-term").run()
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
    at.text_area(key=f"text:{job}:{cue}:0").input(text).run()


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
    app.text_area(key=f"text:{suffix}").input("కలసపాడు వంతెనపై").run()
    row = app.data_editor[0].value.iloc[0]
    assert (row["line 1"], row["line 2"]) == ("కలసపాడు వంతెనపై", "kalasapāḍu vaṁtenapai")


def open_page(at: AppTest, url_path: str) -> AppTest:
    """Go to one of the app's pages, as its link in the sidebar does.

    ``AppTest.switch_page`` finds file pages only; the app's pages are functions registered
    by ``st.navigation``, so this asks for the page that navigation registered under ``url_path``.
    """
    hashes = [h for h, info in at._registered_pages.items() if info.get("url_pathname") == url_path]
    assert len(hashes) == 1, f"no page /{url_path} among {list(at._registered_pages.values())}"
    at._page_hash = hashes[0]
    return at.run()


POEM = "బాలమానసముల మేలుకొల్పు\r\nపల్లె పైరుగాలి పరిరంభణమ్ములు\r\n\r\nఆ మందహాసమని భావము\r\n"


@pytest.mark.queue
def test_the_published_text_typed_at_upload_goes_with_the_job(app, redis_server, monkeypatch, tmp_path):
    """Type the poem in the upload page's text box and submit: the job carries it to the worker (issue 14)."""
    import hashlib
    import json

    from nishabdham.pipeline.known_text.verse import text_beside
    from nishabdham.workers.store import JobStore, database_url
    from nishabdham.workers.tasks import given_text
    from tests.conftest import tone, write_wav

    monkeypatch.setenv("NISHABDHAM_BROKER_URL", redis_server.url)
    redis_server.flush()
    reading = write_wav(tmp_path / "kavita.wav", tone(220, 1.0, 0.3)).read_bytes()
    sign_in(app)
    open_page(app, "upload")
    assert [t.value for t in app.title] == ["Upload recordings"]
    app.file_uploader[0].set_value(("kavita.wav", reading, "audio/wav")).run()  # choosing a file reruns the page
    next(t for t in app.text_area if t.label == "Published text (optional)").input(POEM).run()
    next(b for b in app.button if b.label == "Subtitle these recordings").click().run()
    assert not app.exception, app.exception
    assert any("is on the queue" in s.value for s in app.success), texts(app)

    store = JobStore(database_url(load_settings()))
    try:
        (job,) = store.list_jobs()
    finally:
        store.close()
    queued = [json.loads(m) for m in redis_server.client().lrange(load_settings().queue_name, 0, -1)]
    assert [m["headers"]["argsrepr"] for m in queued] == [repr([job.id])], queued  # sent to the workers
    poem = given_text(job)  # what the worker hands the pipeline as --text
    assert poem is not None, f"no text beside {job.source}"
    assert [line.text for line in poem.lines] == [
        "బాలమానసముల మేలుకొల్పు",
        "పల్లె పైరుగాలి పరిరంభణమ్ములు",
        "ఆ మందహాసమని భావము",
    ]
    assert [line.stanza for line in poem.lines] == [0, 0, 1]
    saved = text_beside(job.source).read_bytes()
    assert job.options["text_sha256"] == hashlib.sha256(saved).hexdigest()  # a new text makes a new job
    assert not next(t for t in app.text_area if t.label == "Published text (optional)").value  # a fresh form


@pytest.mark.queue
def test_a_published_text_with_two_recordings_is_refused(app, redis_server, monkeypatch, tmp_path):
    from nishabdham.workers.store import JobStore, database_url
    from tests.conftest import tone, write_wav

    monkeypatch.setenv("NISHABDHAM_BROKER_URL", redis_server.url)
    reading = write_wav(tmp_path / "a.wav", tone(220, 1.0, 0.3)).read_bytes()
    sign_in(app)
    open_page(app, "upload")
    app.file_uploader[0].set_value([("a.wav", reading, "audio/wav"), ("b.wav", reading, "audio/wav")]).run()
    next(t for t in app.text_area if t.label == "Published text (optional)").input(POEM).run()
    next(b for b in app.button if b.label == "Subtitle these recordings").click().run()
    assert any("belongs to one recording" in e.value for e in app.error), texts(app)
    store = JobStore(database_url(load_settings()))
    try:
        assert store.list_jobs() == []
    finally:
        store.close()


def test_worst_flagged_first_puts_the_worst_cue_on_top_and_selects_it(app, done_job):
    sign_in(app)
    open_job(app, done_job.id)
    job = done_job.id
    app.number_input(key=f"cue-no:{job}").set_value(3).run()
    app.text_area(key=f"text:{job}:c0003:0").input("చాలా పొడవైన వాక్యం " * 12).run()  # breaks the length rules
    app.number_input(key=f"cue-no:{job}").set_value(1).run()
    assert app.data_editor[0].value.iloc[0]["#"] == 1
    app.toggle(key=f"worst:{job}").set_value(True).run()
    top = app.data_editor[0].value.iloc[0]
    assert top["#"] == 3 and top["QA"] and bool(top["open"])  # the flagged cue, on top and selected
    assert app.number_input(key=f"cue-no:{job}").value == 3
