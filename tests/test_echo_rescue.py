"""Real speech read as an echo of the decoding prompt (issue 20): the whole pipeline, with a fake decoder.

On an unseen voice a 3.5 s clip saying "nēnu bhārata dēśamlō unnānu" was decoded as "nenu baagunnaanu.
nenu baagunnaanu.", removed as an echo of the pivot's prompt, and the file came out empty with the
warning "no speech detected". The speech must be decoded again without the prompt, and when that
gives nothing too, the warnings must say what happened. The recogniser is faked (what it writes is
the point, not the model); the audio, voice activity detection and every later stage are real.
"""

from pathlib import Path
from types import SimpleNamespace

from nishabdham.pipeline.decode.model import LoadedModel
from nishabdham.pipeline.runner import Pipeline

CLIP = Path(__file__).resolve().parents[1] / "samples" / "te_prose" / "common_voice_te_42973996.wav"
ECHO = "nenu baagunnaanu. nenu baagunnaanu."


class FakeWhisper:
    """Writes the prompt back whenever it is given one; without a prompt, ``unprompted`` (or nothing)."""

    def __init__(self, unprompted: str = "") -> None:
        self.unprompted, self.calls = unprompted, []
        self.model = SimpleNamespace(is_multilingual=True)
        self.encode = lambda features: None

    def transcribe(self, samples, **kwargs):
        prompt = kwargs.get("initial_prompt") or ""
        self.calls.append((kwargs.get("language"), bool(prompt)))
        text = ECHO if prompt else self.unprompted
        seconds = len(samples) / 16000
        if not text:
            return iter(()), None
        step = seconds / len(text.split())
        words = [
            SimpleNamespace(word=" " + w, start=i * step, end=(i + 1) * step, probability=0.8)
            for i, w in enumerate(text.split())
        ]
        segment = SimpleNamespace(
            text=text, words=words, end=seconds, avg_logprob=-0.3, no_speech_prob=0.01, compression_ratio=1.2,
            temperature=0.0,
        )  # fmt: skip
        return iter([segment]), None


def run(whisper: FakeWhisper):
    model = LoadedModel(whisper, "base", "fake", "cpu", "int8")
    return Pipeline(model=model).run(CLIP)


def test_speech_read_as_the_prompt_is_decoded_again_without_it():
    whisper = FakeWhisper(unprompted="నేను భారత దేశంలో ఉన్నాను")
    transcript = run(whisper)
    assert whisper.calls[0] == ("en", True)  # the pivot, prompted: the echo
    assert ("te", False) in whisper.calls  # then natively, without the prompt
    assert "భారత" in " ".join(cue.text for cue in transcript.cues)
    assert not any("no speech" in w or "no words" in w for w in transcript.warnings)


def test_when_nothing_else_is_heard_the_warning_says_the_reading_was_an_echo():
    whisper = FakeWhisper()
    transcript = run(whisper)
    assert transcript.cues == ()
    assert ("te", False) in whisper.calls and whisper.calls.count(("en", True)) == len(whisper.calls) - 1
    assert transcript.warnings[-1] == (
        "no words kept (removed: echo of the decoding prompt x1; speech with no words x1): the subtitles are empty"
    )
    assert any("its only reading was an echo of the decoding prompt" in w for w in transcript.warnings)
    assert not any("no speech detected" in w for w in transcript.warnings)
