"""The poem library (issue 22): the file format, loading with errors naming file and line, the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from nishabdham.errors import InputError
from nishabdham.pipeline.known_text.index import build_index, line_key, line_keys, load_index
from nishabdham.pipeline.known_text.library import known_metre, poem_file, read_library

VEMANA = [
    "ఉప్పుకప్పురంబు నొక్కపోలికనుండు",
    "చూడచూడ రుచుల జాడవేరు",
    "పురుషులందు పుణ్య పురుషులు వేరయా",
    "విశ్వదాభిరామ వినురవేమ",
]
SUMATI = [
    "అక్కరకు రాని చుట్టము",
    "మ్రొక్కిన వరమీని వేల్పు మోహరమునఁదా",
    "నెక్కిన బారని గుర్రము",
    "గ్రక్కున విడువంగవలయుఁ గదరా సుమతీ",
]


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def library_dir(tmp_path) -> Path:
    folder = tmp_path / "library"
    head = "---\ntitle: Vēmana Śatakam, verse 12\npoet: Vēmana\nmetre: ataveladi\nsource: Wikisource\n---\n"
    write(folder, "vemana/012.txt", head + "\n".join(VEMANA[:2]) + "\n\n" + "\n".join(VEMANA[2:]) + "\n")
    write(folder, "sumati.txt", "\n".join(SUMATI) + "\n")
    return folder


def test_front_matter_stanzas_and_ids(library_dir):
    library, problems = read_library(library_dir)
    assert problems == []
    assert [p.id for p in library.poems] == ["sumati", "vemana/012"]
    sumati, vemana = library.poems
    assert (sumati.title, sumati.poet, sumati.metre) == ("sumati", "", "")  # no front matter: the file's name
    assert (vemana.title, vemana.poet, vemana.metre, vemana.source) == (
        "Vēmana Śatakam, verse 12",
        "Vēmana",
        "āṭaveladi",
        "Wikisource",
    )
    assert [line.text for line in vemana.text.lines] == VEMANA
    assert [line.stanza for line in vemana.text.lines] == [0, 0, 1, 1]
    assert [line.number for line in vemana.text.lines] == [7, 8, 10, 11]  # the file's own line numbers
    assert vemana.line_label(2) == "Vēmana Śatakam, verse 12, line 3"
    assert library.line_count == 8
    assert sumati.with_metre().metre == "kandam"  # identified from the lines when not declared


def test_metre_names_with_or_without_diacritics():
    assert known_metre("Ataveladi") == known_metre("āṭaveladi") == "āṭaveladi"
    assert known_metre("sardulam") == "śārdūlam"
    assert known_metre("free verse") is None


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("---\ntitle: x\n" + VEMANA[0] + "\n", 3, "close it with ---"),
        ("---\ntitle: x\n", 1, "never closed"),
        ("---\ntitle: x\ncolour: red\n---\n" + VEMANA[0] + "\n", 3, "unknown front matter key 'colour'"),
        ("---\ntitle: x\ntitle: y\n---\n" + VEMANA[0] + "\n", 3, "'title' given twice (first on line 2)"),
        ("---\njust words\n---\n" + VEMANA[0] + "\n", 2, "not 'key: value'"),
        ("---\nmetre: sonnet\n---\n" + VEMANA[0] + "\n", 2, "unknown metre 'sonnet'"),
        ("---\ntitle: x\n---\n\n\n", 0, "no verse lines"),
        (VEMANA[0].encode() + b"\n\xff\xfe bad\n", 2, "not UTF-8"),
    ],
)
def test_a_malformed_file_is_named_with_its_line_and_the_others_load(library_dir, text, line, reason):
    bad = write(library_dir, "bad.txt", text)
    library, problems = read_library(library_dir)
    assert [p.id for p in library.poems] == ["sumati", "vemana/012"]
    (problem,) = problems
    assert (problem.path, problem.line) == (str(bad), line)
    assert reason in problem.reason
    assert str(problem).startswith(f"{bad}:{line}: " if line else f"{bad}: ")


def test_a_missing_library_is_an_error_naming_it(tmp_path):
    with pytest.raises(InputError, match="poem library not found") as caught:
        read_library(tmp_path / "nowhere")
    assert caught.value.path == str(tmp_path / "nowhere")


def test_hidden_files_and_other_files_are_not_poems(library_dir):
    write(library_dir, ".index/cached.txt", "not a poem\n")
    write(library_dir, "notes.md", "# notes\n")
    library, _ = read_library(library_dir)
    assert [p.id for p in library.poems] == ["sumati", "vemana/012"]


def test_digest_changes_with_any_file_and_only_then(library_dir):
    first = read_library(library_dir)[0].digest
    assert read_library(library_dir)[0].digest == first
    write(library_dir, "sumati.txt", "\n".join(SUMATI[:3]) + "\n")
    assert read_library(library_dir)[0].digest != first


def test_poem_file_round_trips(tmp_path):
    text = poem_file("Sumati Śatakam, 1", "Baddena", "kandam", "", "\n".join(SUMATI) + "\n\n")
    assert text.startswith("---\ntitle: Sumati Śatakam, 1\npoet: Baddena\nmetre: kandam\n---\n")
    write(tmp_path / "lib", "s.txt", text)
    library, problems = read_library(tmp_path / "lib")
    (poem,) = library.poems
    assert problems == []
    assert (poem.title, poem.metre, [x.text for x in poem.text.lines]) == ("Sumati Śatakam, 1", "kandam", SUMATI)


# --------------------------------------------------------------------------- the index


def test_bulk_keys_are_the_aligners_keys():
    lines = [*VEMANA, *SUMATI, "Ask not what your country", "కలసపాడు bridge పై"]
    assert line_keys(lines) == [line_key(line) for line in lines]


CORPUS = Path(__file__).resolve().parents[1] / "nishabdham" / "pipeline" / "data" / "te_cv_sentences.txt.gz"


def corpus_lines() -> list[str]:
    """The bundled Telugu sentence corpus (19,511 Common Voice sentences; no dev reference among them)."""
    import gzip

    return [x.strip() for x in gzip.decompress(CORPUS.read_bytes()).decode("utf-8").splitlines() if x.strip()]


def distractors(folder: Path, count: int) -> None:
    """``count`` 4-line poems of corpus sentences."""
    lines = corpus_lines()
    for i in range(count):
        write(folder, f"d/{i:04d}.txt", "\n".join(lines[4 * i : 4 * i + 4]) + "\n")


def test_a_heard_line_finds_its_poem_among_distractors(library_dir):
    distractors(library_dir, 250)
    library, _ = read_library(library_dir)
    index = build_index(library)
    heard = "chooda chooda ruchula jaada veru"  # romanized by ear, as Whisper's pivot writes Telugu
    (hits,) = index.search([line_key(heard)], k=5)
    best = hits[0]
    assert (library.poems[best.poem].id, best.line) == ("vemana/012", 1)
    assert best.score > 1.5 * hits[1].score


def test_the_index_is_kept_by_the_librarys_digest(library_dir, tmp_path):
    cache = tmp_path / "cache"
    library, _ = read_library(library_dir)
    built = load_index(library, cache)
    kept = list(cache.iterdir())
    assert len(kept) == 1 and library.digest[:32] in kept[0].name
    again = load_index(library, cache)
    assert again.entries == built.entries
    key = line_key(VEMANA[3])
    assert again.search([key], 2) == built.search([key], 2)
    write(library_dir, "new.txt", "ఓ సుకుమారీ! మేలును\n")
    changed, _ = read_library(library_dir)
    load_index(changed, cache)
    assert len(list(cache.iterdir())) == 2  # a new library, a new index; the old one is left alone
