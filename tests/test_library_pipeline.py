"""The poem library through the pipeline's edges (issue 22): options, jobs, the CLI, the QA report."""

from __future__ import annotations

import pytest

from nishabdham.app.cli import build_parser, main
from nishabdham.pipeline.cues.qa import qa_report, summary
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.pipeline.known_text.library import library_options
from nishabdham.pipeline.known_text.library_cues import LibraryOptions, library_cues, open_library
from nishabdham.settings import load_settings
from nishabdham.types import Segment, Transcript
from tests.test_library import SUMATI, VEMANA, distractors, write
from tests.test_library_identify import FESTIVAL, heard_words


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NISHABDHAM_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def library_dir(tmp_path):
    folder = tmp_path / "library"
    write(folder, "vemana/012.txt", "---\ntitle: Vēmana Śatakam, verse 12\n---\n" + "\n".join(VEMANA) + "\n")
    write(folder, "sumati/001.txt", "\n".join(SUMATI) + "\n")
    return folder


def test_the_library_is_a_job_option_and_its_version_names_the_job(library_dir):
    from nishabdham.workers.jobs import job_options
    from nishabdham.workers.tasks import job_pipeline_options

    args = build_parser().parse_args(["batch", "in", "--out", "out", "--library", str(library_dir)])
    settings = load_settings(library=args.library)
    options = job_options(settings, library_dir / "reading.wav")
    assert options["library"] == {"folder": str(library_dir)}  # the machine's index folder is not an output setting
    worker = job_pipeline_options(options, load_settings())
    assert worker.library == LibraryOptions(str(library_dir), str(load_settings().library_index_dir()))
    write(library_dir, "sumati/001.txt", "\n".join(SUMATI[:2]) + "\n")
    assert library_options(settings.library)["library_sha256"] != options["library_sha256"]


def test_the_library_setting_is_the_default(library_dir, monkeypatch):
    monkeypatch.setenv("NISHABDHAM_LIBRARY", str(library_dir))
    assert load_settings().pipeline_options().library.folder == str(library_dir)
    args = build_parser().parse_args(["transcribe", "a.wav", "--out", "o", "--library", "other"])
    assert args.library == "other"


def test_transcribe_refuses_a_missing_library_before_decoding(tmp_path, capsys):
    code = main(["transcribe", "--no-progress", str(tmp_path / "a.wav"), "--library", str(tmp_path / "none"),
                 "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and "poem library not found" in err and str(tmp_path / "none") in err


def test_an_unchanged_library_is_not_read_again(library_dir, tmp_path):
    options = LibraryOptions(str(library_dir), str(tmp_path / "cache"))
    first = open_library(options)
    assert open_library(options, first) is first
    write(library_dir, "new.txt", "ఓ సుకుమారీ! మేలును\n")
    again = open_library(options, first)
    assert again is not first and len(again.library.poems) == 3
    assert open_library(LibraryOptions()) is None


def test_the_qa_report_lists_the_poems_found_where_and_how_sure(library_dir, tmp_path):
    distractors(library_dir, 100)
    searchable = open_library(LibraryOptions(str(library_dir), str(tmp_path / "cache")))
    heard = heard_words(FESTIVAL[:6])  # the host, the Vēmana poem, an unlisted line
    segment = Segment(0, heard[-1].end_ms, "", tuple(heard))
    cues, alignment = library_cues(searchable, [segment], CueRules(), heard[-1].end_ms)
    transcript = Transcript("festival.wav", heard[-1].end_ms, "te", 1.0, "bundled", segments=(segment,),
                            cues=tuple(cues), alignment=alignment)  # fmt: skip
    report = qa_report(transcript, CueRules())
    (poem,) = report.poems
    assert (poem["id"], poem["title"], poem["lines_read"]) == ("vemana/012", "Vēmana Śatakam, verse 12", 4)
    assert poem["start_ms"] == heard[7].start_ms and poem["margin"] > 0.4 and poem["lowest_line_confidence"] >= 0.6
    found = [i for i in report.issues if i.kind == "library-found"]
    assert len(found) == 1 and "lines 1, 2, 3, 4 shown from the library" in found[0].detail
    assert report.counts["library-found"] == 1 and "text-skipped" not in report.counts
    assert summary(report)["poems_found"] == ["Vēmana Śatakam, verse 12"]
