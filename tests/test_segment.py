"""Segmentation: unit cases and properties over arbitrary word sequences."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nishabdham.pipeline.cues.rules import CueRules, cue_lines, cue_problems, layout_lines
from nishabdham.pipeline.cues.segment import Grouping, build_cues, clean_words, retime
from nishabdham.pipeline.script import grapheme_len
from nishabdham.types import Cue, Word

RULES = CueRules()


def words_from(spec: list[tuple[str, int, int]]) -> list[Word]:
    return [Word(start, end, text) for text, start, end in spec]


def evenly(text: str, start: int = 0, per_word: int = 300, gap: int = 0) -> list[Word]:
    out, t = [], start
    for token in text.split():
        out.append(Word(t, t + per_word, token))
        t += per_word + gap
    return out


# --------------------------------------------------------------------------- layout


def test_short_text_stays_on_one_line():
    assert layout_lines("ask not what your country can do", RULES) == ["ask not what your country can do"]


def test_long_text_is_balanced_over_two_lines():
    text = "ask not what your country can do for you, ask what you can do for your country"
    lines = layout_lines(text, RULES)
    assert lines is not None and len(lines) == 2
    assert " ".join(lines) == text
    assert all(grapheme_len(line) <= 42 for line in lines)
    assert abs(grapheme_len(lines[0]) - grapheme_len(lines[1])) < 15


def test_telugu_lines_use_the_akshara_limit():
    # 11 words of 3 aksharas: 43 graphemes with spaces; too long for one Telugu line (30)
    text = " ".join(["నీరు"] * 11)
    assert grapheme_len("నీరు") == 2
    lines = layout_lines(text, RULES)
    assert lines is not None and len(lines) == 2
    assert all(grapheme_len(line) <= 30 for line in lines)
    # the same number of code points in Latin would fit on one line at 42
    assert layout_lines(" ".join(["ab"] * 11), RULES) == [" ".join(["ab"] * 11)]


def test_editor_line_breaks_are_kept():
    assert layout_lines("first line\nsecond line", RULES) == ["first line", "second line"]
    assert layout_lines("a\nb\nc", RULES) is None


def test_text_that_cannot_fit_returns_none():
    assert layout_lines("x" * 50, RULES) is None


def test_cue_lines_put_the_second_line_below_and_the_speaker_in_front():
    cue = Cue(0, 1000, "నీరు ప్రవహించింది", second="nīru pravahiṁciṁdi", speaker="Host")
    assert cue_lines(cue, replace(RULES, speaker_prefix=True)) == ["Host: నీరు ప్రవహించింది", "nīru pravahiṁciṁdi"]


def test_cue_lines_show_the_speaker_only_when_asked():
    cue = Cue(0, 1000, "నీరు ప్రవహించింది", speaker="SPEAKER_00")
    assert cue_lines(cue, RULES) == ["నీరు ప్రవహించింది"]


# --------------------------------------------------------------------------- operations


def test_split_by_gap_breaks_at_pauses_only():
    words = words_from([("a", 0, 100), ("b", 150, 300), ("c", 1000, 1200), ("d", 1210, 1300)])
    grouping = Grouping.of(words).split_by_gap(600)
    assert grouping.groups == ((0, 1), (2, 3))
    assert grouping.history == (("split_by_gap", 1),)


def test_split_by_punctuation_breaks_after_sentence_marks():
    words = evenly("one. two three? four")
    assert Grouping.of(words).split_by_punctuation(".?").groups == ((0,), (1, 2), (3,))


def test_poem_lines_separated_by_pauses_become_one_cue_each():
    line1 = evenly("పల్లె పైరుగాలి పరిరంభణమ్ములు", start=0, per_word=500)
    line2 = evenly("బాలమానసముల మేలుకొల్పు", start=2500, per_word=500)
    cues = build_cues(line1 + line2, RULES, duration_ms=6000)
    assert [c.text for c in cues] == ["పల్లె పైరుగాలి పరిరంభణమ్ములు", "బాలమానసముల మేలుకొల్పు"]
    assert cues[0].start_ms == 0 and cues[1].start_ms == 2500


def test_too_long_stretch_is_split_at_the_best_pause_and_pieces_keep_word_times():
    first = evenly("and so my fellow americans ask not what your country can do for you", per_word=250)
    shift = first[-1].end_ms + 450  # a real pause, but shorter than pause_ms
    second = evenly("ask what you can do for your country today and tomorrow and always", start=shift, per_word=250)
    cues = build_cues(first + second, RULES, duration_ms=20000)
    assert len(cues) == 2
    assert cues[0].text.endswith("for you") and cues[1].text.startswith("ask what")
    assert cues[1].start_ms == second[0].start_ms
    assert cues[0].words[-1].end_ms == first[-1].end_ms


def test_short_cue_merges_with_a_close_neighbour():
    words = evenly("Yes.", per_word=300) + evenly("we will read the next poem now", start=400, per_word=200)
    cues = build_cues(words, RULES, duration_ms=5000)
    assert len(cues) == 1
    assert cues[0].text == "Yes. we will read the next poem now"


def test_reading_time_extends_into_the_gap_but_keeps_the_minimum_gap():
    words = evenly("a long sentence that is said very fast", per_word=40)  # ~8 words in 320 ms
    words += evenly("next", start=5000, per_word=300)
    cues = build_cues(words, RULES, duration_ms=6000)
    first = cues[0]
    assert first.duration_ms >= 833
    assert grapheme_len(first.text) / (first.duration_ms / 1000) <= RULES.max_cps + 1e-9
    assert cues[1].start_ms - first.end_ms >= RULES.min_gap_ms


def test_cues_never_run_past_the_recording():
    cues = build_cues(evenly("last words here", start=9000, per_word=300), RULES, duration_ms=9950)
    assert cues[-1].end_ms <= 9950


def test_clean_words_orders_and_repairs_times():
    words = [Word(500, 400, "b"), Word(0, 100, "a"), Word(600, 700, " ")]
    cleaned = clean_words(words, duration_ms=450)
    assert [w.text for w in cleaned] == ["a", "b"]
    assert cleaned[1].start_ms == 450 and cleaned[1].end_ms == 450


def test_cue_problems_names_each_broken_rule():
    cue = Cue(0, 300, "x" * 100)
    problems = cue_problems(cue, RULES, next_cue=Cue(320, 900, "y"))
    text = " | ".join(problems)
    assert "line 1 too long" in text
    assert "too short" in text
    assert "reading speed" in text
    assert "gap to next cue" in text
    assert cue_problems(Cue(0, 2000, "fine"), RULES) == []


def test_retime_delays_a_cue_that_cannot_be_shortened():
    cues = [Cue(0, 10, "a"), Cue(10, 500, "b")]
    out = retime(cues, CueRules(min_duration_ms=0, max_cps=0))
    assert out[1].start_ms - out[0].end_ms >= 83
    assert out[0].end_ms > out[0].start_ms


# --------------------------------------------------------------------------- properties

telugu_words = st.sampled_from(["నీరు", "ప్రవహించింది", "పద్యం", "శతకం", "శ్రీ", "రామ", "మహాత్ముల", "పాదధూళి"])
latin_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)
tokens = st.one_of(telugu_words, latin_words, latin_words.map(lambda w: w + "."), latin_words.map(lambda w: w + ","))


@st.composite
def word_sequences(draw):
    n = draw(st.integers(min_value=1, max_value=60))
    t = draw(st.integers(min_value=0, max_value=2000))
    words = []
    for _ in range(n):
        gap = draw(st.one_of(st.just(0), st.integers(0, 300), st.integers(300, 3000)))
        length = draw(st.integers(min_value=80, max_value=1500))
        t += gap
        words.append(Word(t, t + length, draw(tokens)))
        t += length
    tail = draw(st.integers(min_value=0, max_value=3000))
    return words, t + tail


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(word_sequences())
def test_property_text_is_never_lost_or_duplicated(data):
    words, duration = data
    cues = build_cues(words, RULES, duration_ms=duration)
    assert [w.text for c in cues for w in c.words] == [w.text for w in words]
    assert " ".join(c.text for c in cues) == " ".join(w.text for w in words)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(word_sequences())
def test_property_times_increase_never_overlap_and_stay_inside(data):
    words, duration = data
    cues = build_cues(words, RULES, duration_ms=duration)
    for i, cue in enumerate(cues):
        assert 0 <= cue.start_ms < cue.end_ms <= duration
        if i:
            assert cues[i - 1].end_ms + RULES.min_gap_ms <= cue.start_ms


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(word_sequences())
def test_property_no_cue_breaks_a_limit_that_could_be_met(data):
    words, duration = data
    cues = build_cues(words, RULES, duration_ms=duration)
    for i, cue in enumerate(cues):
        natural = cue.words[-1].end_ms - cue.words[0].start_ms
        if len(cue.words) > 1:
            # several words: they could always be split further, so layout and span must fit
            assert layout_lines(cue.text, RULES) is not None, cue.text
            assert natural <= RULES.max_duration_ms
        nxt = cues[i + 1].start_ms if i + 1 < len(cues) else duration + RULES.min_gap_ms
        room_end = nxt - RULES.min_gap_ms  # the latest end the next cue allows
        needed = max(RULES.min_duration_ms, -(-1000 * grapheme_len(cue.text) // int(RULES.max_cps)))
        wanted = min(needed, max(natural, RULES.max_duration_ms))
        if cue.duration_ms < wanted:
            # too short or too fast only when the cue already runs up to the next one (or the end)
            assert cue.end_ms >= min(room_end, duration), (cue, wanted)
