"""The review UI's Library page through streamlit.testing (issue 22): search the library, see it is set."""

from __future__ import annotations

from tests.test_library import VEMANA, write
from tests.test_review_app import app, open_page, sign_in, texts  # noqa: F401  (app is a fixture)


def test_the_library_page_searches_the_library(app, tmp_path, monkeypatch):  # noqa: F811
    folder = tmp_path / "library"
    write(folder, "vemana/012.txt", "---\ntitle: Vēmana Śatakam, verse 12\n---\n" + "\n".join(VEMANA) + "\n")
    monkeypatch.setenv("NISHABDHAM_LIBRARY", str(folder))
    sign_in(app)
    open_page(app, "library")
    assert not app.exception, app.exception
    assert [t.value for t in app.title] == ["Poem library"]
    next(t for t in app.text_input if t.key == "library-query").input("chooda chooda ruchula").run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    assert (table.iloc[0]["poem"], table.iloc[0]["line"], table.iloc[0]["text"]) == ("vemana/012", 2, VEMANA[1])


def test_without_a_library_the_page_says_how_to_set_one(app, monkeypatch):  # noqa: F811
    monkeypatch.delenv("NISHABDHAM_LIBRARY", raising=False)
    sign_in(app)
    open_page(app, "library")
    assert not app.exception and "No poem library is set" in texts(app)
