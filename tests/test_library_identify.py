"""Identifying library poems in heard words, and the cues made from them (issue 22).

The heard words are fakes: Telugu romanized by ear, with the slips Whisper's pivot makes
(vowel length, aspirates, a wrong letter or a split word). The real model on built readings
is in tests/test_library_model.py.
"""

from __future__ import annotations

import pytest

from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.pipeline.known_text.identify import identify
from nishabdham.pipeline.known_text.index import build_index
from nishabdham.pipeline.known_text.library import read_library
from nishabdham.pipeline.known_text.library_cues import (
    SearchableLibrary,
    library_cues,
    parse_library_origin,
    with_heard,
)
from nishabdham.types import Segment, Word
from tests.test_library import SUMATI, VEMANA, distractors, write

TELUGADELA = [
    "తెలుఁగదేల యన్న దేశంబు తెలుఁగేను",
    "దెలుఁగు వల్లభుండఁ దెలుఁగొకండ",
    "ఎల్ల నృపులు గొలువ నెఱుఁగవే బాసాడి",
    "దేశభాషలందుఁ దెలుఁగు లెస్స",
]
HEARD_VEMANA = [
    "uppu kappuram bu nokka polika nundu",
    "chooda chooda ruchula jaada veru",
    "purushulandu punya purushulu veraya",
    "vishwada bhirama vinura vema",
]
HEARD_SUMATI = {0: "akkaraku raani chuttamu", 3: "grakkuna viduvanga valayu gadara sumati"}
HEARD_TELUGADELA = [
    "telugadela yanna deshambu teluganu",
    "delugu vallabhunda telugokanda",
    "ella nrupulu goluva nerugave baasaadi",
    "deshabhaashalandu telugu lessa",
]
HOST = "welcome everyone to this evening of poetry"
UNLISTED = "kalasa paadu bridge pai nunchi neeru pravahinchindi"  # a dev line that no library poem holds


@pytest.fixture(scope="module")
def searchable(tmp_path_factory) -> SearchableLibrary:
    folder = tmp_path_factory.mktemp("library")
    write(folder, "vemana/012.txt", "---\ntitle: Vēmana Śatakam, verse 12\n---\n" + "\n".join(VEMANA) + "\n")
    write(folder, "sumati/001.txt", "\n".join(SUMATI) + "\n")
    write(folder, "telugadela.txt", "\n".join(TELUGADELA) + "\n")
    distractors(folder, 400)
    library, problems = read_library(folder)
    assert not problems
    return SearchableLibrary(library, build_index(library))


def heard_words(lines: list[str], start_ms: int = 0) -> list[Word]:
    """Words of 400 ms with 100 ms between them, 700 ms between lines."""
    words, t = [], start_ms
    for line in lines:
        for text in line.split():
            words.append(Word(t, t + 400, text, 0.9, "", "te", "latin"))
            t += 500
        t += 700
    return words


FESTIVAL = [HOST, *HEARD_VEMANA, UNLISTED, HEARD_SUMATI[0], HEARD_SUMATI[3], HEARD_SUMATI[3], *HEARD_TELUGADELA]


def test_poems_read_whole_in_part_repeated_and_back_to_back_are_found(searchable):
    heard = heard_words(FESTIVAL)
    found = identify(heard, searchable.library, searchable.index)
    poems = [searchable.library.poems[f.candidate.poem].id for f in found.found]
    assert poems == ["vemana/012", "sumati/001", "telugadela"]
    lines = [[m.line for m in f.candidate.matches] for f in found.found]
    assert lines == [[0, 1, 2, 3], [0, 3, 3], [0, 1, 2, 3]]
    assert all(f.margin > 0.4 for f in found.found)


def test_cues_carry_the_library_text_and_keep_the_rest_as_heard(searchable):
    heard = heard_words(FESTIVAL)
    segment = Segment(heard[0].start_ms, heard[-1].end_ms, " ".join(w.text for w in heard), tuple(heard))
    cues, report = library_cues(searchable, [segment], CueRules(), heard[-1].end_ms + 1000)
    library_text = [c.text for c in cues if c.origin.startswith("library:")]
    assert " ".join(library_text).split() == " ".join([*VEMANA, SUMATI[0], SUMATI[3], SUMATI[3], *TELUGADELA]).split()
    heard_text = " ".join(c.text for c in cues if c.origin == "heard")
    assert heard_text == f"{HOST} {UNLISTED}"  # the host and the unlisted line stay exactly as heard
    assert all(c.confidence is not None and 0.6 <= c.confidence <= 1 for c in cues if c.origin != "heard")
    refs = [parse_library_origin(c.origin) for c in cues if c.origin != "heard"]
    assert refs[0] == ("vemana/012", 1) and refs[-1] == ("telugadela", 4)
    assert [p["id"] for p in report["library"]["found"]] == ["vemana/012", "sumati/001", "telugadela"]
    vemana = report["library"]["found"][0]
    assert vemana["title"] == "Vēmana Śatakam, verse 12" and vemana["lines_read"] == 4
    assert vemana["start_ms"] == heard[len(HOST.split())].start_ms


def test_nothing_from_the_library_is_read_nothing_is_replaced(searchable):
    lines = [HOST, UNLISTED, "ento aanandanga untundi ikkadiki vaccharu", "and thank you all for coming"]
    heard = heard_words(lines)
    segment = Segment(0, heard[-1].end_ms, "", tuple(heard))
    cues, report = library_cues(searchable, [segment], CueRules(), heard[-1].end_ms)
    assert report["library"]["found"] == []
    assert {c.origin for c in cues} == {"heard"}
    assert " ".join(c.text for c in cues) == " ".join(lines)


def test_a_poem_in_two_files_is_found_not_held_back_as_its_own_rival(tmp_path):
    folder = tmp_path / "library"
    write(folder, "a/vemana.txt", "\n".join(VEMANA) + "\n")
    write(folder, "b/vemana-copy.txt", "---\ntitle: copy\n---\n" + "\n".join(VEMANA) + "\n")
    distractors(folder, 50)
    library, _ = read_library(folder)
    found = identify(heard_words(HEARD_VEMANA), library, build_index(library))
    assert [library.poems[f.candidate.poem].id for f in found.found] == ["a/vemana"]


def test_poems_that_share_the_lines_read_are_named_both(tmp_path):
    """Two poems that share their first two lines, and only those are read: the text is right either way."""
    folder = tmp_path / "library"
    write(folder, "one.txt", "\n".join(VEMANA) + "\n")
    write(folder, "two.txt", "\n".join(VEMANA[:2] + TELUGADELA[2:]) + "\n")
    distractors(folder, 50)
    library, _ = read_library(folder)
    (found,) = identify(heard_words(HEARD_VEMANA[:2]), library, build_index(library)).found
    named = [library.poems[p].id for p in (found.candidate.poem, *found.twins)]
    assert sorted(named) == ["one", "two"]


def test_a_rival_too_close_holds_a_poem_back(tmp_path):
    """Two poems whose lines differ by a word; the reading is as close to either: neither is taken."""
    folder = tmp_path / "library"
    write(folder, "one.txt", VEMANA[0] + "\n" + VEMANA[1] + "\n")
    write(folder, "two.txt", VEMANA[0].replace("ఉప్పు", "కప్పు") + "\n" + VEMANA[1].replace("చూడ", "చూచి", 1) + "\n")
    distractors(folder, 50)
    library, _ = read_library(folder)
    found = identify(heard_words(["uppu kappurambu nokka polika nundu", "chooda chooda ruchula jaada veru"]),
                     library, build_index(library))  # fmt: skip
    assert found.found == ()
    assert {library.poems[f.candidate.poem].id for f in found.rejected} & {"one", "two"}


def test_a_rejected_cue_gets_back_what_was_heard():
    heard = heard_words(["chooda chooda ruchula jaada veru", "next words"])
    segment = Segment(0, heard[-1].end_ms, "", tuple(heard))
    from nishabdham.types import Cue

    cue = Cue(heard[0].start_ms, heard[4].end_ms, VEMANA[1], "cūḍa", origin="library:vemana/012:2", confidence=0.8)
    back = with_heard(cue, [segment], second_line=str.upper)
    assert (back.text, back.second, back.origin, back.confidence) == (
        "chooda chooda ruchula jaada veru",
        "CHOODA CHOODA RUCHULA JAADA VERU",
        "heard",
        None,
    )
    assert (back.start_ms, back.end_ms) == (cue.start_ms, cue.end_ms)


def test_library_origins_read_back():
    assert parse_library_origin("library:vemana/012:3") == ("vemana/012", 3)
    assert parse_library_origin("library:a:b:12") == ("a:b", 12)
    assert parse_library_origin("text") is None and parse_library_origin("heard") is None


def test_a_silent_recording_finds_nothing(searchable):
    assert identify([], searchable.library, searchable.index).found == ()
    cues, report = library_cues(searchable, [], CueRules(), 5000)
    assert cues == [] and report["library"]["found"] == []
