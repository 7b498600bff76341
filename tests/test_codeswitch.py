"""The code-switch stage on recogniser output (no model: the segments are given)."""

import pytest

from nishabdham.pipeline.codeswitch import CodeSwitcher, CodeSwitchOptions, second_line
from nishabdham.pipeline.runner import attach_translation
from nishabdham.pipeline.script import script_share
from nishabdham.pipeline.vad import SpeechRegion
from nishabdham.types import Segment, Word

SPEECH = [SpeechRegion(0, 60_000)]


def seg(text, start=0, per_word=400, strategy="pivot", probability=0.9):
    words = tuple(
        Word(start + i * per_word, start + (i + 1) * per_word, t, probability) for i, t in enumerate(text.split())
    )
    return Segment(start, start + per_word * len(words), text, words, strategy=strategy)


@pytest.fixture(scope="module")
def stage():
    return CodeSwitcher()


def run(stage, *segments, language="auto"):
    out, removed = stage.process(list(segments), SPEECH, language)
    return out


def test_romanized_telugu_becomes_telugu_script_with_times_kept(stage):
    out = run(stage, seg("ee roju manam konni padyalu vindaam."))
    words = out[0].words
    assert out[0].text == "ఈ రోజు మనం కొన్ని పద్యాలు విందాం."
    assert [w.start_ms for w in words] == [0, 400, 800, 1200, 1600, 2000]
    assert words[0].source == "ee" and words[0].lang == "te" and words[0].script == "Telugu"
    assert out[0].language == "te" and out[0].script == "Telugu" and out[0].strategy == "pivot+restore"


def test_english_stays_english_and_the_segment_is_code_switched(stage):
    out = run(stage, seg("Welcome everyone to the evening. ee roju manam Potana padyalu vindaam"))
    assert out[0].text.startswith("Welcome everyone to the evening.")
    assert "పోతన" in out[0].text and "పద్యాలు" in out[0].text
    assert out[0].language == "te-en"


def test_an_ending_whisper_wrote_apart_joins_its_word_even_when_it_is_english(stage):
    out = run(stage, seg("aa pillala ku oka kavita no vinipinchindi"))
    assert out[0].text == "ఆ పిల్లలకు ఒక కవితను వినిపించింది"
    assert [(w.start_ms, w.end_ms) for w in out[0].words][3] == (1600, 2400)  # the joined word spans both
    assert run(stage, seg("I said no to him."))[0].text == "I said no to him."  # English stays English


def test_english_policy_telugu_writes_english_words_in_telugu_script():
    stage = CodeSwitcher(CodeSwitchOptions(english_words="telugu"))
    out = run(stage, seg("ee bridge meeda vaana"))
    assert out[0].text == "ఈ బ్రిడ్జ్ మీద వాన"
    assert script_share(out[0].text) == 1.0


def test_telugu_script_loanwords_follow_the_english_policy(stage):
    out = run(stage, seg("గండికోట బ్రిడ్జి మీద", strategy="native"))
    assert out[0].text == "గండికోట bridge మీద"
    stage_te = CodeSwitcher(CodeSwitchOptions(english_words="telugu"))
    assert run(stage_te, seg("బ్రిడ్జి మీద", strategy="native"))[0].text == "బ్రిడ్జి మీద"
    assert run(stage, seg("తీరు", strategy="native"))[0].text == "తీరు"  # sounds like "tier", but is Telugu


def test_glossary_corrects_near_misses_of_terms(stage):
    out = run(stage, seg("Pothana bhagavatham lo chandassu"))
    # the ending లో joins the term, which keeps its canonical spelling
    assert out[0].text.split()[:2] == ["పోతన", "భాగవతములో"]
    assert run(stage, seg("Pothana bhagavatham chandassu"))[0].text.split()[:2] == ["పోతన", "భాగవతము"]
    assert "ఛందస్సు" in out[0].text


def test_other_indic_scripts_are_transliterated_to_telugu(stage):
    out = run(stage, seg("ಹಾಲು पानी", strategy="native"))
    assert out[0].text == "హాలు పానీ"


def test_digits_punctuation_emoji_and_empty_segments(stage):
    out = run(stage, seg("1961 lo , meeru 🙏 ..."), Segment(5000, 5000, "", ()))
    assert len(out) == 1
    texts = [w.text for w in out[0].words]
    assert texts[0] == "1961" and "మీరు" in texts and "🙏" in texts and "..." not in texts


def test_forced_english_leaves_words_alone(stage):
    out = run(stage, seg("vaana vinipinchindi"), language="en")
    assert out[0].text == "vaana vinipinchindi" and out[0].language == "en"


def test_foreign_script_segments_are_decoded_again(stage):
    class Decoder:
        def pivot(self, segment):
            return [seg("vaana vinipinchindi", segment.start_ms, strategy="native+pivot")]

        def english_probability(self, segment):
            return 0.95

        def romanize(self, segment):
            raise AssertionError("not expected")

    out, _ = stage.process([seg("نیرو پروا", strategy="native")], SPEECH, "auto", Decoder())
    assert out[0].text == "వాన వినిపించింది" and out[0].strategy == "native+pivot+restore"


def test_translated_lines_are_decoded_again_when_the_voice_is_not_english(stage):
    class Decoder:
        def pivot(self, segment):
            raise AssertionError("not expected")

        def english_probability(self, segment):
            return 0.01

        def romanize(self, segment):
            return [seg("maa kalanu gurtinchi", segment.start_ms, strategy="pivot+romanize")]

    out, _ = stage.process(
        [seg("thank you very much indeed", probability=0.4)], SPEECH, "auto", Decoder()
    )  # unsure English
    assert out[0].text.startswith("మా") and out[0].strategy.startswith("pivot+romanize")


def test_a_loop_in_a_re_decode_is_removed_and_logged(stage):
    class Decoder:
        def pivot(self, segment):
            raise AssertionError("not expected")

        def english_probability(self, segment):
            return 0.01

        def romanize(self, segment):  # greedy, no fallback: the decode ran into a loop at the end
            good = seg("maa kalanu gurtinchi", segment.start_ms, strategy="pivot+romanize")
            loop = tuple(Word(good.end_ms, good.end_ms + 1, "shush", 0.3) for _ in range(12))
            return [
                Segment(
                    good.start_ms,
                    good.end_ms + 1,
                    good.text + " shush" * 12,
                    good.words + loop,
                    strategy="pivot+romanize",
                )
            ]

    out, removed = stage.process([seg("thank you very much indeed", probability=0.4)], SPEECH, "auto", Decoder())
    assert [w.source or w.text for s in out for w in s.words] == ["maa", "kalanu", "gurtinchi"]
    assert any("repetition loop" in r.reason and "shush" in r.text for r in removed)


def test_second_line_is_iso_15919_with_english_words_unchanged():
    assert second_line("ఈ bridge మీద వాన.") == "ī bridge mīda vāna."


def test_translation_words_go_to_the_cue_they_overlap():
    from nishabdham.types import Cue

    cues = [Cue(0, 2000, "ఒకటి"), Cue(3000, 5000, "రెండు")]
    words = [Word(100, 600, "one"), Word(3100, 3500, "two"), Word(2100, 2200, "and")]
    out = attach_translation(cues, words)
    assert [c.second for c in out] == ["one and", "two"]


def test_second_line_is_empty_for_a_line_without_telugu():
    assert second_line("ask not what your country can do") == ""


def test_english_gets_sentence_case_and_telugu_is_untouched():
    from nishabdham.pipeline.codeswitch.english import sentence_case

    words = (Word(0, 300, "and", lang="en"), Word(300, 600, "so", lang="en"), Word(600, 900, "i", lang="en"),
             Word(900, 1200, "said.", lang="en"), Word(1200, 1500, "వాన", lang="te"), Word(1500, 1800, "ask", lang="en"),
             Word(5000, 5300, "then", lang="en"))  # fmt: skip
    out = sentence_case([Segment(0, 5300, "", words)])
    assert [w.text for w in out[0].words] == ["And", "so", "I", "said.", "వాన", "ask", "Then"]
    assert out[0].words[0].source == "and"


def test_a_stretch_of_speech_is_checked_and_decoded_again_once(stage):
    calls = []

    class Decoder:
        def pivot(self, segment):
            raise AssertionError("not expected")

        def english_probability(self, segment):
            calls.append(("check", segment.start_ms, segment.end_ms))
            return 0.01

        def romanize(self, segment):
            calls.append(("romanize", segment.start_ms, segment.end_ms))
            return [seg("maa kalanu gurtinchi vaallu", segment.start_ms, strategy="pivot+romanize")]

    region = [SpeechRegion(0, 10_000)]
    first, second = seg("thank you very much", 0, probability=0.4), seg("it was a great evening", 2000, probability=0.4)
    out, _ = stage.process([first, second], region, "auto", Decoder())
    # one check and one re-decode for the stretch; the part the re-decode stopped short of
    # (its words end at 1600 ms) is decoded again on its own rather than kept as a translation
    assert calls == [("check", 0, 4000), ("romanize", 0, 4000), ("romanize", 2000, 4000)]
    assert " ".join(s.text for s in out).startswith("మా")


class FakeDecoder:
    """A recogniser whose answers are given; every call is recorded."""

    def __init__(self, p_english=0.01, romanized=None, english=None, rescued=None):
        self.p_english, self.romanized, self.english_text, self.rescued = p_english, romanized, english, rescued or {}
        self.calls = []

    def pivot(self, segment):
        raise AssertionError("not expected")

    def english_probability(self, segment):
        self.calls.append("check")
        return self.p_english

    def romanize(self, segment):
        self.calls.append("romanize")
        return (
            [seg(self.romanized, segment.start_ms, strategy="pivot+romanize", probability=0.6)]
            if self.romanized
            else []
        )

    def english(self, segment):
        self.calls.append("english")
        return [seg(self.english_text, segment.start_ms, strategy="pivot+english", probability=0.95)]

    def rescue(self, segment, strategy):
        self.calls.append(("rescue", strategy, segment.start_ms, segment.end_ms))
        text = self.rescued.get(strategy)
        return [seg(text, segment.start_ms + 100, strategy=f"rescue+{strategy}")] if text else []


def sure(text, start=0):
    return seg(text, start, probability=0.95)


def test_a_sure_translation_of_telugu_is_caught_by_the_language_detector(stage):
    """The unseen-speaker case: fluent English Whisper was sure of, over Telugu speech."""
    decoder = FakeDecoder(p_english=0.02, romanized="ivi mana puttuka yokka nimishaalu")
    out, _ = stage.process([sure("these are the minutes of our origin")], SPEECH, "auto", decoder)
    assert decoder.calls == ["check", "romanize"]
    assert script_share(out[0].text, "Telugu") >= 0.9 and "romanize" in out[0].strategy


def test_a_translation_whose_re_decode_did_no_better_is_read_as_romanized_telugu(stage):
    """The detector hears no English and the romanizing re-decode gives nothing: the first pass's
    Latin words are what Whisper heard, so they come out in Telugu script, never kept as English."""
    decoder = FakeDecoder(p_english=0.02, romanized=None)
    out, _ = stage.process([sure("medalu is here")], SPEECH, "auto", decoder)
    assert decoder.calls[:2] == ["check", "romanize"]
    text = " ".join(s.text for s in out)
    assert script_share(text, "Telugu") == 1.0 and "telugu-voice" in out[0].strategy, text


def test_a_known_junk_line_in_speech_that_is_not_english_is_removed_not_romanized(stage):
    """Whisper's outro ("I'll see you in the next video.") over a Telugu voice is no speech to
    keep: with the detector hearing no English, it goes to ``removed`` instead of into Telugu."""
    decoder = FakeDecoder(p_english=0.01, romanized=None)
    segment = sure("medalu unnayi. I'll see you in the next video.")
    out, removed = stage.process([segment], SPEECH, "auto", decoder)
    text = " ".join(s.text for s in out)
    assert script_share(text, "Telugu") == 1.0 and len(text.split()) == 2, text
    assert [r.text for r in removed] == ["I'll see you in the next video."]
    assert "not English" in removed[0].reason


def test_english_the_detector_hears_is_never_romanized_and_unsure_english_is_decoded_as_english(stage):
    decoder = FakeDecoder(p_english=0.95, english="And so my fellow Americans ask not what")
    unsure = seg("and so my fellow america ask not what", probability=0.7)
    out, _ = stage.process([unsure], SPEECH, "auto", decoder)
    assert decoder.calls == ["check", "english"]
    assert out[0].text == "And so my fellow Americans ask not what" and "romanize" not in out[0].strategy
    decoder = FakeDecoder(p_english=0.95)
    out, _ = stage.process([sure("ask not what your country can do")], SPEECH, "auto", decoder)
    assert decoder.calls == ["check"] and out[0].text == "Ask not what your country can do"


def test_each_stretch_of_an_english_looking_run_is_judged_by_its_own_voice(stage):
    """An English line, then a Telugu line Whisper translated, less than 2 s apart: the Telugu
    line is not carried by the English before it. Each stretch is checked once, the English is
    kept and only the translated stretch is re-decoded as romanized Telugu."""

    class ByStretch(FakeDecoder):
        def english_probability(self, segment):
            self.calls.append(("check", segment.start_ms))
            return 0.95 if segment.start_ms < 3000 else 0.02

        def romanize(self, segment):
            self.calls.append(("romanize", segment.start_ms))
            return [seg("maa kalanu gurtinchi vaallu", segment.start_ms, strategy="pivot+romanize", probability=0.6)]

    decoder = ByStretch()
    regions = [SpeechRegion(0, 2500), SpeechRegion(3000, 6000)]
    english_line, translated = sure("ask not what your country", 0), sure("we remember our poets", 3000)
    out, _ = stage.process([english_line, translated], regions, "auto", decoder)
    assert decoder.calls == [("check", 0), ("check", 3000), ("romanize", 3000)]
    assert out[0].text == "Ask not what your country" and "romanize" not in out[0].strategy
    assert script_share(" ".join(s.text for s in out[1:]), "Telugu") == 1.0


def test_words_a_re_decode_heard_from_the_neighbours_are_left_to_them(stage):
    """A re-decode's audio reaches 200 ms past its stretch: what it heard there (the neighbour's
    ending again) is the neighbour's, and never doubles it."""

    class Overhearing(FakeDecoder):
        def romanize(self, segment):
            self.calls.append("romanize")
            heard = seg("nu", segment.start_ms - 200, 180, strategy="pivot+romanize", probability=0.6)
            return [heard, seg("maa kalanu", segment.start_ms, strategy="pivot+romanize", probability=0.6)]

    regions = [SpeechRegion(0, 1300), SpeechRegion(1300, 4000)]
    before, translated = seg("bala manasamula", 0, 600), sure("we remember our poets", 1300)
    out, _ = stage.process([before, translated], regions, "auto", Overhearing(p_english=0.02))
    words = [w for s in out for w in s.words]
    assert [w.start_ms for w in words] == sorted(w.start_ms for w in words)
    assert not any(w.start_ms < 1300 <= w.end_ms or 1100 <= w.start_ms < 1300 for w in words), words
    assert len(words) == 4 and script_share(" ".join(s.text for s in out), "Telugu") == 1.0


def test_a_shorter_re_decode_keeps_the_speech_it_left_out(stage):
    """The evening sample: the romanizing re-decode of a run stopped before its last line."""
    decoder = FakeDecoder(p_english=0.01, romanized="maa kalanu gurtinchi vaallu")
    regions = [SpeechRegion(0, 2000), SpeechRegion(3000, 6000)]
    first, last = seg("thank you very much", 0, probability=0.4), seg("medialu vanta paadu chundu", 3200)
    out, removed = stage.process(
        [first, seg("it was great", 1600, 100, probability=0.4), last], regions, "auto", decoder
    )
    texts = " ".join(s.text for s in out)
    assert texts.startswith("మా") and "పాడు చుండు" in texts and not removed  # its last line kept


def test_coverage_pass_decodes_speech_without_words_again_then_records_what_stays_lost(stage):
    regions = [SpeechRegion(0, 2000), SpeechRegion(3000, 5500), SpeechRegion(7000, 9000), SpeechRegion(9500, 9900)]
    segments = [seg("neeru pravahinchindi", 100)]  # regions 2 and 3 got no words; region 4 is under 1 s
    decoder = FakeDecoder(rescued={"native": "నీరు వచ్చింది"})
    decoder.rescue = lambda segment, strategy, inner=decoder.rescue: (
        inner(segment, strategy) if segment.start_ms == 3000 else []
    )
    out, removed = stage.process(segments, regions, "auto", decoder)
    assert ("rescue", "pivot", 3000, 5500) in decoder.calls and ("rescue", "native", 3000, 5500) in decoder.calls
    assert any(s.strategy.startswith("rescue+native") and "వచ్చింది" in s.text for s in out)
    assert [(r.start_ms, r.end_ms, r.text) for r in removed] == [(7000, 9000, "")]
    assert removed[0].reason.startswith("speech with no words") and "2.0 s" in removed[0].reason
    # the property: every region over 1 s is covered by a word or by a removal
    for r in regions[:3]:
        words = [w for s in out for w in s.words if w.start_ms < r.end_ms and w.end_ms > r.start_ms]
        assert words or any(x.start_ms < r.end_ms and x.end_ms > r.start_ms for x in removed)


def test_without_a_recogniser_lost_speech_is_still_recorded(stage):
    out, removed = stage.process([seg("neeru", 100)], [SpeechRegion(0, 900), SpeechRegion(2000, 4000)], "auto")
    assert [(r.start_ms, r.end_ms) for r in removed] == [(2000, 4000)] and "no re-decode" in removed[0].reason


def test_proper_nouns_are_capitalised_inside_a_sentence():
    from nishabdham.pipeline.codeswitch.english import sentence_case

    words = tuple(
        Word(i * 300, (i + 1) * 300, t, lang="en") for i, t in enumerate("and so my fellow americans, may".split())
    )
    out = sentence_case([Segment(0, 1800, "", words)])
    assert [w.text for w in out[0].words] == ["And", "so", "my", "fellow", "Americans,", "may"]


ECHO_CLIP = [SpeechRegion(200, 3700)]  # "nēnu bhārata dēśamlō unnānu", 3.5 s, on an unseen voice


def test_speech_whose_only_reading_echoed_the_prompt_is_decoded_again_without_the_prompt(stage):
    """The pivot wrote the prompt back ("nenu baagunnaanu. nenu baagunnaanu."): the guard removes the
    echo, and the coverage pass decodes the speech under it again, natively, without the prompt."""
    decoder = FakeDecoder(rescued={"pivot": "nenu baagunnaanu.", "native": "నేను భారత దేశంలో ఉన్నాను"})
    out, removed = stage.process([seg("nenu baagunnaanu. nenu baagunnaanu.", 300)], ECHO_CLIP, "auto", decoder)
    assert decoder.calls == [("rescue", "native", 200, 3700)]  # never again with the prompt
    assert " ".join(s.text for s in out) == "నేను భారత దేశంలో ఉన్నాను"
    assert [r.reason for r in removed] == ["echo of the decoding prompt"]


def test_speech_that_stays_lost_after_an_echo_says_so(stage):
    decoder = FakeDecoder()
    out, removed = stage.process([seg("nenu baagunnaanu. nenu baagunnaanu.", 300)], ECHO_CLIP, "auto", decoder)
    assert out == [] and decoder.calls == [("rescue", "native", 200, 3700)]
    assert removed[-1].reason == (
        "speech with no words: 3.5 s of speech, its only reading was an echo of the decoding prompt;"
        " decoded again without the prompt, still nothing"
    )
