"""The hallucination guard removes only what nothing was said under, and says why."""

from nishabdham.pipeline.codeswitch.hallucination import SpeechCoverage, drop_double_readings, guard
from nishabdham.pipeline.vad import SpeechRegion
from nishabdham.types import Segment, Word


def seg(text, start, end, no_speech=0.1, probability=0.9):
    tokens = text.split()
    step = (end - start) // max(len(tokens), 1)
    words = tuple(Word(start + i * step, start + (i + 1) * step, t, probability) for i, t in enumerate(tokens))
    return Segment(start, end, text, words, no_speech_prob=no_speech)


SPEECH = [SpeechRegion(0, 4000), SpeechRegion(10000, 14000)]


def test_coverage_measures_voice_activity_under_a_span():
    coverage = SpeechCoverage(SPEECH)
    assert coverage(0, 4000) == 1.0
    assert coverage(4000, 10000) == 0.0
    assert coverage(3000, 5000) == 0.5


def test_known_junk_line_over_silence_is_removed_with_its_reason():
    kept, removed = guard([seg("neeru pravahinchindi", 0, 3000), seg("Thanks for watching!", 5000, 7000)], SPEECH)
    assert [s.text for s in kept] == ["neeru pravahinchindi"]
    assert removed[0].text == "Thanks for watching!" and "no speech" in removed[0].reason


def test_the_same_words_said_aloud_stay():
    kept, removed = guard([seg("thank you", 10000, 11000)], SPEECH)
    assert [s.text for s in kept] == ["thank you"] and removed == []


def test_a_known_line_with_no_time_to_be_said_is_removed_even_over_speech():
    """Whisper's tail on a short Telugu clip: "Thank you very much." timed into the last 40 ms of
    the voice, some of its words sure. Four words in 40 ms were never said; said in 1 s they stay."""
    squeezed = Segment(
        3392,
        3432,
        "Thank you very much.",
        (
            Word(3392, 3392, "Thank", 0.01),
            Word(3392, 3392, "you", 0.96),
            Word(3392, 3392, "very", 0.03),
            Word(3392, 3432, "much.", 0.98),
        ),
    )
    kept, removed = guard([seg("bala manasamula", 1000, 3392), squeezed], SPEECH)
    assert [s.text for s in kept] == ["bala manasamula"]
    assert removed[0].text == "Thank you very much." and "no time to be said" in removed[0].reason
    said = seg("bala manasamula", 1000, 2900)
    joined = Segment(1000, 3432, said.text + " " + squeezed.text, said.words + squeezed.words)
    kept, removed = guard([joined], SPEECH)
    assert kept[0].text == "bala manasamula" and [r.text for r in removed] == ["Thank you very much."]
    assert guard([seg("thank you very much", 2000, 3000)], SPEECH)[0][0].text == "thank you very much"


def test_trailing_you_over_silence_is_trimmed():
    segment = seg("bosu veeruni kranti you", 1000, 5000)
    segment = Segment(1000, 5000, segment.text, segment.words[:3] + (Word(4500, 4900, "you", 0.2),))
    kept, removed = guard([segment], SPEECH)
    assert kept[0].text == "bosu veeruni kranti" and removed[0].text == "you"


def test_a_known_line_at_the_end_of_a_segment_is_trimmed_where_nothing_was_said():
    said = seg("ee kavita chaala bagundi", 1000, 3800)
    outro = seg("I'll see you in the next video.", 4000, 7000)
    segment = Segment(1000, 7000, said.text + " " + outro.text, said.words + outro.words)
    kept, removed = guard([segment], SPEECH)
    assert kept[0].text == "ee kavita chaala bagundi"
    assert [r.text for r in removed] == ["I'll see you in the next video."]
    spoken = seg("ee kavita chaala bagundi I'll see you in the next video.", 10000, 14000)
    assert guard([spoken], SPEECH)[0][0].text == spoken.text  # said aloud, it stays


def test_repetition_loop_without_speech_is_removed_but_a_spoken_refrain_stays():
    loop = seg("I am here. I am here. I am here.", 2000, 9000)  # the last repeats lie over silence
    kept, removed = guard([loop], SPEECH)
    assert kept[0].text.count("am") < 3 and removed and "repetition loop" in removed[0].reason
    refrain = seg("rama rama rama rama", 10000, 14000)  # each repeat has speech under it
    kept, removed = guard([refrain], SPEECH)
    assert kept[0].text == "rama rama rama rama" and removed == []


def test_a_line_decoded_twice_over_the_same_audio_is_removed():
    first, again = seg("medialu vanta paadu", 0, 3000), seg("medialu vanta paadu", 500, 3000)
    kept, removed = guard([first, again], SPEECH)
    assert len(kept) == 1 and "repeats the previous line" in removed[0].reason


def test_a_refrain_repeated_later_with_speech_stays():
    kept, removed = guard([seg("sri rama raksha", 0, 3000), seg("sri rama raksha", 10000, 13000)], SPEECH)
    assert len(kept) == 2 and removed == []


def test_echo_of_the_prompt_is_removed():
    prompt = "meeru ela unnaaru? nenu baagunnaanu."
    kept, removed = guard([seg("nenu baagunnaanu meeru ela unnaaru", 0, 3000)], SPEECH, prompt)
    assert kept == [] and removed[0].reason == "echo of the decoding prompt"


def test_segment_over_silence_with_high_no_speech_probability_is_removed():
    kept, removed = guard([seg("anything at all", 5000, 8000, no_speech=0.9)], SPEECH)
    assert kept == [] and "no speech under it" in removed[0].reason


def test_a_loop_run_into_the_end_of_a_window_goes_whole_as_one_removal():
    spoken = tuple(Word(1400 + i * 400, 1800 + i * 400, t, 0.8) for i, t in enumerate("kalasa paadu bridge".split()))
    loop = tuple(Word(2970, 2972, ",Shush", 0.3) for _ in range(7))  # zero-length words after the speech
    segment = Segment(1400, 2972, " ".join(w.text for w in spoken + loop), spoken + loop)
    kept, removed = guard([segment], SPEECH)
    assert kept[0].text == "kalasa paadu bridge"
    assert len(removed) == 1 and removed[0].text == ",Shush (x7)" and "repetition loop" in removed[0].reason


def test_a_second_reading_of_the_same_speech_goes_and_the_longer_stays():
    """A re-decode's "Marco." lying over the first word of a Telugu line read as మా కారను ...: one goes."""
    telugu = seg("మా కారను గుర్తించి వాళ్ళు", 20292, 23332)
    english = seg("Marco.", 20184, 20500)  # 208 of its 316 ms inside the Telugu line
    before, after = seg("Ask what you can do", 14776, 17156), seg("అన్నగా ఉంది", 23784, 25224)
    kept, removed = drop_double_readings([before, english, telugu, after])
    assert kept == [before, telugu, after]
    assert [(r.text, r.start_ms) for r in removed] == [("Marco.", 20184)] and "read twice" in removed[0].reason


def test_neighbours_that_touch_or_barely_overlap_both_stay():
    a, b = seg("పాలై పైరు గాలి", 1016, 3184), seg("lu no.", 3184, 3464)
    c = seg("రంభనములు", 3400, 4400)  # 64 ms of its 1000 inside the one before
    kept, removed = drop_double_readings([c, a, b])
    assert kept == [a, b, c] and removed == []
