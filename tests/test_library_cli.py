"""``nishabdham library add|list|search|check`` (issue 22)."""

from __future__ import annotations

import pytest

from nishabdham.app.cli import main
from tests.test_library import SUMATI, VEMANA, write


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NISHABDHAM_DATA_DIR", str(tmp_path / "data"))


def test_add_writes_front_matter_and_refuses_a_bad_text_naming_its_line(tmp_path, capsys):
    good = write(tmp_path, "in/vemana.txt", "\n".join(VEMANA) + "\n")
    bad = write(tmp_path, "in/bad.txt", "---\ntitle: x\ncolour: red\n---\n" + SUMATI[0] + "\n")
    library = tmp_path / "library"
    code = main(["library", "add", str(library), str(good), str(bad), "--title", "Vēmana Śatakam, verse 1"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.strip() == str(library / "vemana.txt")
    assert f"{bad}: line 3: unknown front matter key 'colour'" in err
    assert (library / "vemana.txt").read_text(encoding="utf-8").startswith("---\ntitle: Vēmana Śatakam, verse 1\n---\n")
    assert not (library / "bad.txt").exists()
    assert main(["library", "add", str(library), str(good)]) == 1  # never overwritten without --replace
    assert "in the library already" in capsys.readouterr().err
    assert main(["library", "add", str(library), str(good), "--replace"]) == 0


def test_check_and_list_name_every_bad_file_with_its_line(tmp_path, capsys):
    library = tmp_path / "library"
    write(library, "vemana.txt", "---\npoet: Vēmana\nmetre: ataveladi\n---\n" + "\n".join(VEMANA) + "\n")
    write(library, "sumati/1.txt", "\n".join(SUMATI) + "\n")
    assert main(["library", "check", str(library)]) == 0
    assert "2 poems, 8 lines; 0 file(s) with problems" in capsys.readouterr().out
    write(library, "broken.txt", b"\xff\n")
    assert main(["library", "check", str(library)]) == 1
    out, err = capsys.readouterr()
    assert f"{library / 'broken.txt'}:1: not UTF-8" in err and "2 poems, 8 lines; 1 file(s)" in out
    assert main(["library", "list", str(library)]) == 1
    out = capsys.readouterr().out
    assert "sumati/1\t1\t\t4 lines" in out and "vemana\tvemana\tVēmana, āṭaveladi\t4 lines" in out


def test_search_finds_a_line_from_romanized_words(tmp_path, capsys):
    library = tmp_path / "library"
    write(library, "vemana.txt", "\n".join(VEMANA) + "\n")
    write(library, "sumati.txt", "\n".join(SUMATI) + "\n")
    assert main(["library", "search", str(library), "chooda", "chooda", "ruchula", "-n", "1"]) == 0
    (line,) = capsys.readouterr().out.strip().splitlines()
    assert line.split()[1] == "vemana:2" and line.endswith(VEMANA[1])
    assert (tmp_path / "data" / "library-index").is_dir()  # the index is kept in the data folder


def test_a_missing_library_is_an_error(tmp_path, capsys):
    assert main(["library", "list", str(tmp_path / "none")]) == 2
    assert "poem library not found" in capsys.readouterr().err
