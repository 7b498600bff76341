"""The repeatable temperature fallback: sampling steps become beam searches (no model: the decoder is faked)."""

from types import SimpleNamespace

import pytest

from nishabdham.pipeline.decode import fallback, hypotheses
from nishabdham.pipeline.decode.transcribe import DecodeOptions

SAMPLING = {"beam_size": 1, "num_hypotheses": 5, "sampling_topk": 0, "sampling_temperature": 0.6, "max_length": 99}


class Decoder:
    """CTranslate2's Whisper stand-in: records the arguments of every ``generate``."""

    is_multilingual = True

    def __init__(self) -> None:
        self.calls = []

    def generate(self, features, prompts, **kwargs):
        self.calls.append(kwargs)
        return [SimpleNamespace(sequences_ids=[[1, 2]], scores=[-0.1])]


def whisper():
    return SimpleNamespace(model=Decoder(), hf_tokenizer=SimpleNamespace(token_to_id=lambda t: 50257, decode=str))


def test_a_sampling_step_becomes_a_beam_search_with_penalties_in_beam_mode():
    w = whisper()
    inner = w.model
    fallback.install(w)
    with fallback.mode("beam"):
        w.model.generate(None, [[1]], **SAMPLING)
    sent = inner.calls[0]
    assert "sampling_temperature" not in sent and "sampling_topk" not in sent
    step = fallback.step_for(0.6)
    assert sent["beam_size"] == step.beam_size and sent["num_hypotheses"] == 1
    assert sent["repetition_penalty"] == step.repetition_penalty > 1
    assert sent["no_repeat_ngram_size"] == step.no_repeat_ngram_size and sent["max_length"] == 99


def test_hotter_steps_push_harder_and_the_first_decode_is_left_alone():
    w = whisper()
    inner = w.model
    fallback.install(w)
    with fallback.mode("beam"):
        w.model.generate(None, [[1]], beam_size=5, patience=1)
        for t in (0.2, 0.4, 0.6, 0.8, 1.0):
            w.model.generate(None, [[1]], **{**SAMPLING, "sampling_temperature": t})
    assert inner.calls[0] == {"beam_size": 5, "patience": 1}
    penalties = [c["repetition_penalty"] for c in inner.calls[1:]]
    assert penalties == sorted(penalties) and len({(c["repetition_penalty"], c["no_repeat_ngram_size"], c["beam_size"]) for c in inner.calls[1:]}) == 5  # fmt: skip


def test_sample_mode_passes_sampling_through_and_the_mode_is_per_thread_block():
    w = whisper()
    inner = w.model
    fallback.install(w)
    w.model.generate(None, [[1]], **SAMPLING)  # outside any block: Whisper's own fallback
    with fallback.mode("sample"):
        w.model.generate(None, [[1]], **SAMPLING)
    assert inner.calls == [SAMPLING, SAMPLING]


def test_installed_once_under_the_n_best_recorder():
    w = whisper()
    fallback.install(w)
    hypotheses.install(w)
    fallback.install(w)
    fallback.install(w)
    chain, model = [], w.model
    while model is not None:
        chain.append(type(model).__name__)
        model = getattr(model, "__dict__", {}).get("_inner")
    assert chain == ["_RecordingWhisper", "DeterministicFallback", "Decoder"]


def test_an_unknown_fallback_is_refused():
    with pytest.raises(ValueError, match="fallback"):
        DecodeOptions(fallback="greedy")
