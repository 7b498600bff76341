"""The stage's re-decode recipes: how a stretch of speech is decoded again, and why.

The runner offers one small interface, :class:`StretchDecoder` ("decode the speech under this
segment with this request"); everything that makes a re-decode a pivot, a plain-English check,
a romanization or a rescue — prompts, temperatures, beam, token budget, which cut-offs apply —
is decided here, by the code-switch stage that asks for it. The stage never imports the
transcriber or the runner (an import-linter contract in ``pyproject.toml``).
"""

from __future__ import annotations

from typing import Protocol

from nishabdham.pipeline.codeswitch.options import CodeSwitchOptions
from nishabdham.pipeline.decode.request import DecodeRequest
from nishabdham.types import Segment

#: Token budget of a re-decode: romanized Telugu runs at 5.5 tokens/s (median), 7.4 at most,
#: on the dev recordings; a repetition loop cannot run to Whisper's 448 tokens.
REDECODE_TOKENS_PER_S = 12.0


class StretchDecoder(Protocol):
    """What the runner offers the code-switch stage for one recording."""

    @property
    def workers(self) -> int:
        """Re-decodes that may run side by side (the model's decoding workers)."""

    def decode(self, segment: Segment, request: DecodeRequest) -> list[Segment]:
        """Decode the speech under ``segment`` (its speech regions, +/- 200 ms) as ``request`` asks."""

    def english_probability(self, segment: Segment, short_context: bool) -> float:
        """Whisper's language detector's probability of English for the speech under ``segment``
        (``short_context``: encode the stretch and a second of silence, not a full 30 s)."""

    def latin_only_tokens(self) -> tuple[int, ...]:
        """Token ids with letters outside the Latin script (suppressed to make Whisper romanize)."""


class Redecodes:
    """The re-decodes the stage uses (:class:`~nishabdham.pipeline.codeswitch.planner.Redecoder`)."""

    def __init__(self, stretch: StretchDecoder, options: CodeSwitchOptions) -> None:
        self.stretch, self.options = stretch, options

    @property
    def workers(self) -> int:
        return self.stretch.workers

    def pivot(self, segment: Segment) -> list[Segment]:
        """English token with the romanized prompt: base writes a phonetic romanization of Telugu."""
        return self.stretch.decode(segment, _greedy("en", self.options.prompt, "native+pivot"))

    def english_probability(self, segment: Segment) -> float:
        return self.stretch.english_probability(segment, self.options.short_context)

    def english(self, segment: Segment) -> list[Segment]:
        """Plain English, no romanized prompt."""
        return self.stretch.decode(segment, _greedy("en", "", "pivot+english"))

    def rescue(self, segment: Segment, strategy: str) -> list[Segment]:
        """One region decoded alone with no cut-off: Whisper's no-speech and silence-skipping
        checks are what left it without words in the first place."""
        language, prompt = ("en", self.options.prompt) if strategy == "pivot" else ("te", "")
        request = DecodeRequest(
            language,
            prompt,
            strategy=f"rescue+{strategy}",
            temperatures=(0.0, 0.4),
            beam_size=1,
            safeguards=False,
            tokens_per_second=REDECODE_TOKENS_PER_S,
        )
        return self.stretch.decode(segment, request)

    def romanize(self, segment: Segment) -> list[Segment]:
        """Telugu token with the romanized prompt and every non-Latin token suppressed."""
        request = DecodeRequest(
            "te",
            self.options.prompt,
            strategy="pivot+romanize",
            suppress_tokens=self.stretch.latin_only_tokens(),
            temperatures=(0.0,),
            beam_size=1,
            tokens_per_second=REDECODE_TOKENS_PER_S,
        )
        return self.stretch.decode(segment, request)


def _greedy(language: str, prompt: str, strategy: str) -> DecodeRequest:
    return DecodeRequest(
        language,
        prompt,
        strategy=strategy,
        temperatures=(0.0,),
        beam_size=1,
        tokens_per_second=REDECODE_TOKENS_PER_S,
    )
