"""The review page through AppTest: edits kept as a draft across a reload, approval asking about doubtful
cues, and the job's own warnings on the page (issue 23)."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from nishabdham.review_ui.evalsets import MANIFEST, reviewed_set_dir
from nishabdham.settings import load_settings
from tests.review_support import finished_job
from tests.test_review_app import APP, app, done_job, open_job, sign_in, texts  # noqa: F401  (fixtures)


def test_an_edit_is_kept_without_saving_and_comes_back_after_a_reload(app, done_job):  # noqa: F811
    sign_in(app)
    open_job(app, done_job.id)
    app.text_area(key=f"text:{done_job.id}:c0001:0").input("కలసపాడు వంతెనపై").run()
    assert "unsaved edits" in texts(app)
    reloaded = AppTest.from_file(APP, default_timeout=60)  # a new browser session: nothing in session state
    sign_in(reloaded)
    open_job(reloaded, done_job.id)
    assert reloaded.data_editor[0].value.iloc[0]["line 1"] == "కలసపాడు వంతెనపై"
    assert reloaded.data_editor[0].value.iloc[0]["line 2"] == "kalasapāḍu vaṁtenapai"
    assert any("unsaved edits from" in i.value for i in reloaded.info), texts(reloaded)
    other = AppTest.from_file(APP, default_timeout=60)
    sign_in(other, name="Ravi")  # a draft is one reviewer's
    open_job(other, done_job.id)
    assert other.data_editor[0].value.iloc[0]["line 1"] != "కలసపాడు వంతెనపై"


def test_approve_saves_the_edits_and_asks_before_a_tagged_unfixed_cue_enters_the_evaluation_set(app, done_job):  # noqa: F811
    sign_in(app)
    open_job(app, done_job.id)
    job = done_job.id
    app.text_area(key=f"text:{job}:c0001:0").input("కలసపాడు వంతెనపై నుంచి నీరు").run()
    app.number_input(key=f"cue-no:{job}").set_value(2).run()
    app.multiselect(key=f"tags:{job}:c0002:1").select("hallucination").run()
    app.button(key="approve").click().run()
    assert any("need" in w.value or "tagged as wrong" in w.value for w in app.warning), texts(app)
    manifest = reviewed_set_dir(load_settings().data_dir) / MANIFEST
    assert not manifest.exists()
    app.button(key="approve-leave-out").click().run()
    assert any("left out of it" in s.value for s in app.success), texts(app)
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
    assert "c0002" not in {r["cue"] for r in rows} and "c0001" in {r["cue"] for r in rows}


def test_a_silent_recording_shows_the_pipelines_warning(app, tmp_path):  # noqa: F811
    import numpy as np

    from nishabdham.types import Transcript, dumps
    from tests.conftest import write_wav

    audio = write_wav(tmp_path / "silence.wav", np.zeros(16000 * 3, dtype="float32"))
    transcript = tmp_path / "silence.json"
    warning = "no speech found (the recording is silent): the subtitles are empty"
    transcript.write_text(dumps(Transcript("silence.wav", 3000, "te", 0.0, "test", warnings=(warning,))), "utf-8")
    job = finished_job(load_settings(), audio, transcript)
    sign_in(app)
    assert app.dataframe[0].value.iloc[0]["QA"].startswith("no speech found")
    open_job(app, job.id)
    assert warning in [w.value for w in app.warning]
