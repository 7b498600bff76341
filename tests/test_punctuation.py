"""Whisper's marks after Telugu words are cleaned; what ends a sentence or a verse line stays (issue 23)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nishabdham.pipeline.cues.punctuation import clean_punctuation, strip_marks
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.pipeline.cues.segment import VersePiece, build_cues, verse_cues
from nishabdham.types import Word

RULES = CueRules()


def evenly(text: str, start: int = 0, per_word: int = 300) -> list[Word]:
    return [Word(start + k * per_word, start + (k + 1) * per_word, t) for k, t in enumerate(text.split())]


def test_commas_sprinkled_between_telugu_words_are_dropped_and_verse_line_ends_kept():
    line1 = evenly("పల్లె, పైరు, గాలి, పరిరంభణమ్ములు,", per_word=400)
    line2 = evenly("బాల, మానసముల. మేలుకొల్పు.", start=3000, per_word=400)
    cues = build_cues(line1 + line2, RULES, duration_ms=6000)
    # before: every comma stayed, and the stray full stop cut the second line in two
    assert [c.text for c in cues] == ["పల్లె పైరు గాలి పరిరంభణమ్ములు,", "బాల మానసముల మేలుకొల్పు."]
    commas = sum(c.text.count(",") for c in cues)
    assert commas / sum(len(c.text.split()) for c in cues) <= 0.15


def test_the_model_text_stays_in_the_word_source():
    cleaned = clean_punctuation(evenly("నీరు, ప్రవహించింది."), RULES)
    assert [(w.text, w.source) for w in cleaned] == [("నీరు", "నీరు,"), ("ప్రవహించింది.", "")]


def test_english_punctuation_is_whisper_s_and_stays():
    words = evenly("ask not what your country can do for you, ask what you can do")
    assert [w.text for w in clean_punctuation(words, RULES)] == [w.text for w in words]


def test_dandas_closing_quotes_and_a_lone_mark():
    assert strip_marks("రామ॥") == "రామ॥"
    assert strip_marks("“రామా,”") == "“రామా”"
    assert strip_marks("రామా?!") == "రామా"
    words = [Word(0, 100, "రామ"), Word(100, 200, ","), Word(200, 300, "కృష్ణ")]
    assert [w.text for w in clean_punctuation(words, RULES)] == ["రామ", "కృష్ణ"]


def test_a_mark_before_a_pause_ends_the_line_and_stays():
    words = [Word(0, 400, "పల్లె,"), Word(1200, 1600, "పైరు,"), Word(1700, 2000, "గాలి")]
    assert [w.text for w in clean_punctuation(words, RULES)] == ["పల్లె,", "పైరు", "గాలి"]


def test_it_can_be_turned_off():
    words = evenly("పల్లె, పైరు,")
    assert clean_punctuation(words, CueRules(tidy_punctuation=False)) == words


def test_the_given_text_keeps_its_own_punctuation():
    words = tuple(evenly("పల్లె, పైరు, గాలి,", per_word=400))
    cues = verse_cues([VersePiece(words, "text", 1.0)], RULES, duration_ms=4000)
    assert cues[0].text == "పల్లె, పైరు, గాలి,"
    heard = verse_cues([VersePiece(words, "heard")], RULES, duration_ms=4000)
    assert heard[0].text == "పల్లె పైరు గాలి,"


telugu = st.sampled_from(["నీరు", "పద్యం", "శ్రీ", "రామ", "మహాత్ముల"])
marks = st.sampled_from(["", ",", ".", "?", ",,", "।", "”"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(telugu, marks, st.integers(0, 1500)), min_size=1, max_size=30))
def test_property_only_marks_are_ever_dropped(spec):
    words, t = [], 0
    for core, mark, gap in spec:
        t += gap
        words.append(Word(t, t + 300, core + mark))
        t += 300
    cleaned = clean_punctuation(words, RULES)
    assert [w.start_ms for w in cleaned] == [w.start_ms for w in words]
    for before, after in zip(words, cleaned, strict=True):
        assert after.text.startswith(before.text.rstrip(",.?।”")) and before.text.startswith(after.text.rstrip("”"))
