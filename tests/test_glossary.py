"""The glossary: every starter entry checked, clear errors with line numbers, conflicts reported."""

import tomllib

import pytest

from nishabdham.errors import GlossaryError
from nishabdham.pipeline.codeswitch.glossary import KINDS, Term, append_term, load_glossary, read_terms, starter_path
from nishabdham.pipeline.telugu import from_iso, to_iso


def test_starter_glossary_has_at_least_100_checked_entries():
    terms = read_terms(starter_path())
    assert len(terms) >= 100
    kinds = {t.kind for t in terms}
    assert {"poet", "deity", "place", "work", "prosody"} <= kinds <= set(KINDS)
    for term in terms:
        assert term.iso == to_iso(term.telugu)
        assert from_iso(term.iso) == term.telugu
        assert term.gloss and all(v == v.lower() for v in term.variants)
    assert len({t.telugu for t in terms}) == len(terms)


def test_starter_glossary_loads_without_conflicts():
    glossary = load_glossary(starter_path())
    assert glossary.conflicts == ()


@pytest.mark.parametrize(
    "spelling, telugu",
    [
        ("pothana", "పోతన"),
        ("chandassu", "ఛందస్సు"),
        ("shatakam", "శతకం"),
        ("annamayya", "అన్నమయ్య"),
        ("utpalamala", "ఉత్పలమాల"),
    ],
)
def test_romanized_spellings_find_their_term(spelling, telugu):
    from nishabdham.pipeline.codeswitch.glossary import latin_skeleton
    from nishabdham.pipeline.codeswitch.restore import normalize_latin

    assert load_glossary(starter_path()).match(latin_skeleton(normalize_latin(spelling))).telugu == telugu


def test_a_near_miss_of_a_long_term_matches_but_short_words_need_exact_keys():
    glossary = load_glossary(starter_path())
    assert glossary.match("utpalamaala"[:-2] + "la").telugu == "ఉత్పలమాల"  # one letter off
    assert glossary.match("kavx") is None


def write(tmp_path, text, name="g.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


ENTRY = '[[term]]\ntelugu = "పోతన"\niso = "pōtana"\nkind = "poet"\ngloss = "Potana"\nvariants = ["pothana"]\n'


def test_malformed_toml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, ENTRY + '\n[[term]]\ntelugu = "నన్నయ\n')
    with pytest.raises(GlossaryError, match=r"g.toml: is not valid TOML: .*line 9"):
        read_terms(path)


@pytest.mark.parametrize(
    "change, message",
    [
        (('iso = "pōtana"', 'iso = "potana"'), "line 3: `iso` = 'potana' does not match"),
        (('kind = "poet"', 'kind = "singer"'), "line 3: `kind` = 'singer'"),
        (('gloss = "Potana"', 'gloss = ""'), "line 3: `gloss` is missing"),
        (('telugu = "పోతన"', 'telugu = "Potana"'), "is not Telugu script"),
        (('variants = ["pothana"]', 'variants = ["Pothana!"]'), "lower-case Latin"),
    ],
)
def test_invalid_entries_name_the_line(tmp_path, change, message):
    path = write(tmp_path, "# glossary\n\n" + ENTRY.replace(*change))
    with pytest.raises(GlossaryError, match=message.replace("`", "`").replace("(", r"\(")):
        read_terms(path)


def test_unreadable_file_is_a_clear_error(tmp_path):
    path = tmp_path / "g.toml"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(GlossaryError, match="cannot be read"):
        read_terms(path)


def test_conflicting_entries_are_reported_not_silently_overridden(tmp_path):
    other = ENTRY.replace('gloss = "Potana"', 'gloss = "someone else"')
    clash = '[[term]]\ntelugu = "పొతన"\nkind = "term"\ngloss = "a different word"\nvariants = ["pothana"]\n'
    glossary = load_glossary(write(tmp_path, ENTRY), write(tmp_path, other + "\n" + clash, "user.toml"))
    assert any("defined twice differently" in c and "user.toml line 1" in c for c in glossary.conflicts)
    assert any("fits both" in c for c in glossary.conflicts)
    assert "potana" not in glossary.index  # an ambiguous spelling corrects nothing


def test_append_term_adds_a_valid_entry_atomically(tmp_path):
    path = tmp_path / "user.toml"
    term = Term("మొల్ల", to_iso("మొల్ల"), "poet", 'Atukuri "Molla"', ("molla",))
    append_term(path, term)
    assert [t.telugu for t in read_terms(path)] == ["మొల్ల"]
    assert tomllib.loads(path.read_text(encoding="utf-8"))["term"][0]["gloss"] == 'Atukuri "Molla"'
    with pytest.raises(GlossaryError, match="already in the glossary"):
        append_term(path, term)
