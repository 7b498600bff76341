"""Decoding requests: what a re-decode may cost."""

from nishabdham.pipeline.decode.transcribe import DecodeRequest, _token_budget
from nishabdham.pipeline.vad import SpeechRegion, Window


def test_a_re_decode_gets_a_token_budget_in_proportion_to_its_audio():
    short, full = Window((SpeechRegion(0, 3000),)), Window((SpeechRegion(0, 40_000),))
    bounded = DecodeRequest("te", tokens_per_second=12.0)
    assert _token_budget(bounded, short) == 24 + 36  # room for fast speech (7.4 tokens/s measured), no more
    assert _token_budget(bounded, full) == 220  # never more than the context leaves after a prompt
    assert _token_budget(DecodeRequest("te"), short) is None  # the first pass keeps Whisper's own limit
