"""What the adapted model is taught to write: the pivot romanization, as the pipeline decodes.

The pipeline decodes Telugu with the *pivot*: ``<|en|>`` and the romanized prompt
(``pipeline.codeswitch.options.PIVOT_PROMPT``), then restores Telugu script from the Latin
letters. So a reviewed Telugu line becomes a training target in the same informal romanization
(``kalasapadu bridge pai nunchi``): ISO 15919, the anusvara written as the nasal of the next
consonant (``rendu``, not ``remdu``), long vowels doubled (``aa ee oo``), ``c`` as ``ch``. Latin
words of the reference (English) stay as they are. A target is one token sequence:
``<|startofprev|> prompt <|startoftranscript|> <|en|> <|transcribe|> <|0.00|> text <|end|> <|endoftext|>``,
with the loss on what follows the task tokens only.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import regex

from nishabdham.pipeline.codeswitch.options import PIVOT_PROMPT
from nishabdham.pipeline.telugu import to_iso

#: Whisper's timestamp tokens follow ``<|notimestamps|>``; the bundled tokenizer.json lacks them.
TIME_STEP_S = 0.02
IGNORE = -100
_LABIALS = ("p", "b", "m")
_INFORMAL = (("r̥̄", "ru"), ("r̥", "ru"), ("l̥", "lu"), ("ā", "aa"), ("ī", "ee"), ("ū", "oo"), ("ē", "e"), ("ō", "o"),
             ("ṭ", "t"), ("ḍ", "d"), ("ṇ", "n"), ("ś", "sh"), ("ṣ", "sh"), ("ḷ", "l"), ("ṅ", "n"), ("ñ", "n"),
             ("ḥ", "h"), ("ṟ", "r"), ("m̐", "m"), (":", ""))  # fmt: skip
_TELUGU = regex.compile(r"\p{Script=Telugu}")
_WORD = regex.compile(r"[\p{L}\p{M}\u200c\u200d]+(?:['’][\p{L}]+)?|\d+")


def pivot_text(text: str) -> str:
    """A reviewed line in the pivot romanization the pipeline decodes (Latin words kept)."""
    words = []
    for word in _WORD.findall(unicodedata.normalize("NFC", text)):
        words.append(romanize_word(word) if _TELUGU.search(word) else word)
    return " ".join(w for w in words if w)


def romanize_word(word: str) -> str:
    """One Telugu word in informal Latin letters (``రెండు`` -> ``rendu``, ``చెప్పండి`` -> ``cheppandi``)."""
    iso = unicodedata.normalize("NFC", to_iso(word)).lower()
    out = []
    for i, ch in enumerate(iso):
        if ch == "ṁ":
            nxt = iso[i + 1 : i + 2]
            out.append("m" if not nxt or nxt in _LABIALS else "n")
        elif ch == "c" and iso[i + 1 : i + 2] != "h":
            out.append("ch")
        else:
            out.append(ch)
    latin = "".join(out)
    for mark, plain in _INFORMAL:
        latin = latin.replace(mark, plain)
    latin = unicodedata.normalize("NFD", latin)
    return "".join(ch for ch in latin if ch.isascii() and (ch.isalnum() or ch == "'"))


@dataclass(frozen=True)
class SpecialTokens:
    """The ids of Whisper's special tokens in one tokenizer."""

    sot: int
    eot: int
    prev: int
    transcribe: int
    no_timestamps: int
    languages: dict[str, int]

    def timestamp(self, seconds: float) -> int:
        """The id of the timestamp token nearest ``seconds`` (0-30 s)."""
        steps = round(min(max(seconds, 0.0), 30.0) / TIME_STEP_S)
        return self.no_timestamps + 1 + steps


class TargetTokenizer:
    """Turns (text, seconds of audio) into decoder inputs and labels."""

    def __init__(self, tokenizer_json: str | Path, prompt: str = PIVOT_PROMPT, language: str = "en") -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer_json))
        ids = self.tokenizer.token_to_id
        langs = {code: ids(f"<|{code}|>") for code in ("en", "te")}
        self.special = SpecialTokens(
            sot=ids("<|startoftranscript|>"),
            eot=ids("<|endoftext|>"),
            prev=ids("<|startofprev|>"),
            transcribe=ids("<|transcribe|>"),
            no_timestamps=ids("<|notimestamps|>"),
            languages={k: v for k, v in langs.items() if v is not None},
        )
        self.language = language
        self.prompt_ids = self.encode(" " + prompt.strip())[-223:] if prompt else []

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def sequence(self, text: str, seconds: float) -> tuple[list[int], list[int]]:
        """(decoder input ids, labels): labels are the inputs shifted by one, IGNORE where nothing is learned."""
        s = self.special
        prefix = ([s.prev, *self.prompt_ids] if self.prompt_ids else []) + [
            s.sot,
            s.languages[self.language],
            s.transcribe,
        ]
        body = [s.timestamp(0.0), *self.encode(" " + text.strip())[:400], s.timestamp(seconds), s.eot]
        tokens = prefix + body
        labels = [IGNORE] * (len(prefix) - 1) + body
        return tokens[:-1], labels
