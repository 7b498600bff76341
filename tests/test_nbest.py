"""N-best: the beam's other readings, placed on the segment they differ in, and rescored with the
Telugu word model. No dev-reference word is used here (the weight is tuned on a dev fold)."""

import pytest

from nishabdham.pipeline.codeswitch import CodeSwitcher, CodeSwitchOptions
from nishabdham.pipeline.codeswitch.lm import load_lm
from nishabdham.pipeline.codeswitch.nbest import language_evidence, rescore
from nishabdham.pipeline.decode.hypotheses import DecodeCall, Hypothesis, with_alternatives
from nishabdham.pipeline.decode.model import default_models_dir
from nishabdham.pipeline.vad import SpeechRegion
from nishabdham.types import Alternative, Segment, Word


def seg(text, start=0, per_word=500):
    words = tuple(Word(start + i * per_word, start + (i + 1) * per_word, t, 0.8) for i, t in enumerate(text.split()))
    return Segment(start, start + per_word * len(words), text, words, strategy="pivot")


def call(*readings, sampled=False):
    return DecodeCall(tuple(Hypothesis(tuple(text.split()), lp) for text, lp in readings), sampled)


def test_a_runner_up_becomes_an_alternative_of_the_segment_it_differs_in():
    segments = [seg("ee roju manam"), seg("konni padyaalu vindaam.", 2000)]
    best = "ee roju manam konni padyaalu vindaam."
    calls = [call((best, -10.0), ("ee roju manam konni padyalu vindam.", -10.5), ("ee rooju manam konni", -11.0))]
    out = with_alternatives(segments, calls)
    assert out[0].alternatives == ()  # the third reading differs in both segments: placed nowhere
    (alternative,) = out[1].alternatives
    assert alternative.text == "konni padyalu vindam." and alternative.logprob == -0.5
    # the equal word keeps its time, the changed ones take the time of the words they replace
    assert [(w.start_ms, w.end_ms) for w in alternative.words] == [(2000, 2500), (2500, 3000), (3000, 3500)]


def test_a_replaced_stretch_shares_its_time_by_length_and_an_insertion_sits_between_neighbours():
    segment = seg("pustakam chadivaanu")
    out = with_alternatives([segment], [call(("pustakam chadivaanu", -5.0), ("pustakam chadi vaanu", -5.2))])
    words = out[0].alternatives[0].words
    assert [w.text for w in words] == ["pustakam", "chadi", "vaanu"]
    assert words[1].start_ms == 500 and words[2].end_ms == 1000 and words[1].end_ms == words[2].start_ms
    out = with_alternatives([segment], [call(("pustakam chadivaanu", -5.0), ("pustakam ee chadivaanu", -6.0))])
    inserted = out[0].alternatives[0].words[1]
    assert inserted.text == "ee" and inserted.start_ms == inserted.end_ms == 500


def test_decodes_not_in_the_output_are_passed_over_and_sampled_ones_give_no_alternatives():
    segment = seg("ee roju manam")
    skipped = call(("Thank you.", -7.0), ("Thank you very much.", -9.0))  # faster-whisper dropped it as silence
    out = with_alternatives([segment], [call(("ee roju manam", -4.0), ("ee rooju manam", -4.5)), skipped])
    assert [a.text for a in out[0].alternatives] == ["ee rooju manam"]
    assert with_alternatives([segment], [call(("ee roju manam", -4.0), sampled=True)])[0].alternatives == ()
    assert with_alternatives([segment], [call(("something else", -4.0), ("ee rooju", -5.0))])[0].alternatives == ()


@pytest.fixture(scope="module")
def stage():
    return CodeSwitcher(CodeSwitchOptions(nbest=5))


@pytest.fixture(scope="module")
def lm():
    return load_lm(str(default_models_dir()))


def test_the_language_evidence_prefers_real_telugu_words_in_context(stage, lm):
    convert = lambda s: stage.repair.convert(s, "te")  # noqa: E731
    evidence = lambda text: language_evidence(convert(seg(text)), lm, stage.restorer)  # noqa: E731
    assert evidence("nenu intiki vellanu") > evidence("nenu indiki vellanu") + 2
    assert evidence("ramudu adaviki vellaadu") > evidence("ramudu a daviki vella du") + 2


def test_rescoring_picks_the_reading_the_word_model_supports_unless_the_acoustics_say_otherwise(stage, lm):
    segment = seg("nenu indiki vellanu")
    alternative = seg("nenu intiki vellanu")
    with_alt = Segment(**{**_fields(segment), "alternatives": (Alternative(alternative.words, -1.0),)})
    convert = lambda s: stage.repair.convert(s, "te")  # noqa: E731
    chosen, changed = rescore(with_alt, convert, lm, stage.restorer, 0.5)
    assert changed and chosen.text == "nenu intiki vellanu" and chosen.strategy == "pivot+nbest"
    assert chosen.alternatives == ()
    unlikely = Segment(**{**_fields(segment), "alternatives": (Alternative(alternative.words, -80.0),)})
    kept, changed = rescore(unlikely, convert, lm, stage.restorer, 0.5)
    assert not changed and kept.text == segment.text
    assert rescore(with_alt, convert, lm, stage.restorer, 0.0)[0].text == segment.text  # weight 0: the beam's order


def test_the_stage_rescores_only_when_asked_and_never_writes_alternatives(stage):
    segment = seg("nenu indiki vellanu")
    alternative = Alternative(seg("nenu intiki vellanu").words, -1.0)
    with_alt = Segment(**{**_fields(segment), "alternatives": (alternative,)})
    speech = [SpeechRegion(0, 10_000)]
    out, _ = stage.process([with_alt], speech, "te")
    assert out[0].text == "నేను ఇంటికి వెళ్లాను" and out[0].alternatives == ()
    off, _ = CodeSwitcher().process([with_alt], speech, "te")
    assert off[0].text != out[0].text and off[0].alternatives == ()


def _fields(segment):
    return {name: getattr(segment, name) for name in segment.__slots__}
