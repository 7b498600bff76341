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
    assert out[0].text.split()[:2] == ["పోతన", "భాగవతము"]
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

        def sounds_english(self, segment):
            return True

        def romanize(self, segment):
            raise AssertionError("not expected")

    out, _ = stage.process([seg("نیرو پروا", strategy="native")], SPEECH, "auto", Decoder())
    assert out[0].text == "వాన వినిపించింది" and out[0].strategy == "native+pivot+restore"


def test_translated_lines_are_decoded_again_when_the_voice_is_not_english(stage):
    class Decoder:
        def pivot(self, segment):
            raise AssertionError("not expected")

        def sounds_english(self, segment):
            return False

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

        def sounds_english(self, segment):
            return False

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

        def sounds_english(self, segment):
            calls.append(("check", segment.start_ms, segment.end_ms))
            return False

        def romanize(self, segment):
            calls.append(("romanize", segment.start_ms, segment.end_ms))
            return [seg("maa kalanu gurtinchi vaallu", segment.start_ms, strategy="pivot+romanize")]

    region = [SpeechRegion(0, 10_000)]
    first, second = seg("thank you very much", 0, probability=0.4), seg("it was a great evening", 2000, probability=0.4)
    out, _ = stage.process([first, second], region, "auto", Decoder())
    assert calls == [("check", 0, 4000), ("romanize", 0, 4000)]
    assert " ".join(s.text for s in out).startswith("మా")


def test_confident_english_is_not_sent_to_the_language_detector(stage):
    class Decoder:
        def pivot(self, segment):
            raise AssertionError("not expected")

        def sounds_english(self, segment):
            raise AssertionError("confident English needs no check")

        def romanize(self, segment):
            raise AssertionError("not expected")

    words = tuple(
        Word(i * 400, (i + 1) * 400, t, 0.95) for i, t in enumerate("ask not what your country can do".split())
    )
    out, _ = stage.process([Segment(0, 2800, "ask not what your country can do", words)], SPEECH, "auto", Decoder())
    assert out[0].text == "Ask not what your country can do"
