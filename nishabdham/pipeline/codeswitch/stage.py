"""Code-switch post-processing: Telugu in Telugu script, English in English, terms spelled right.

The stage works on the recogniser's segments, stretch of speech by stretch of speech:

1. the hallucination guard removes text nothing was said under
   (:mod:`~nishabdham.pipeline.codeswitch.hallucination`);
2. a stretch written in a foreign script is decoded again with the pivot
   (:mod:`~nishabdham.pipeline.codeswitch.planner`, which also decides how windows are decoded);
3. each word is put in its right script and spelling (:mod:`~nishabdham.pipeline.codeswitch.repair`);
4. English-looking speech is checked with Whisper's language detector: a translation of Telugu
   is decoded again, romanizing, and repaired in turn.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from nishabdham.pipeline.codeswitch import english
from nishabdham.pipeline.codeswitch.glossary import Glossary, load_glossary, starter_path
from nishabdham.pipeline.codeswitch.hallucination import guard
from nishabdham.pipeline.codeswitch.lexicon import Lexicon, load_lexicon
from nishabdham.pipeline.codeswitch.lm import load_lm
from nishabdham.pipeline.codeswitch.options import CodeSwitchOptions
from nishabdham.pipeline.codeswitch.planner import (
    GuardedRedecoder,
    Redecoder,
    Run,
    by_region,
    confident_english,
    decode_planner,
    english_runs,
    foreign,
    joined,
    looks_english,
    parallel_map,
    strategy_for,
    telugu_share,
)
from nishabdham.pipeline.codeswitch.repair import WordRepair, label
from nishabdham.pipeline.codeswitch.restore import Restorer
from nishabdham.pipeline.transcribe import DecodeRequest, Planner
from nishabdham.pipeline.vad import SpeechRegion
from nishabdham.types import Removal, Segment

log = logging.getLogger(__name__)


class CodeSwitcher:
    """The stage with its resources (word list, glossary), loaded once per process."""

    def __init__(self, options: CodeSwitchOptions = CodeSwitchOptions(), models_dir: str = "") -> None:
        self.options = options
        self.models_dir = models_dir
        self.lexicon: Lexicon | None = None
        self._restorer: Restorer | None = None
        self._glossary: Glossary | None = None
        self.repair = WordRepair(options, self)

    @property
    def restorer(self) -> Restorer:
        if self._restorer is None:
            from nishabdham.pipeline.model import default_models_dir

            folder = self.models_dir or str(default_models_dir())
            self.lexicon = load_lexicon(folder)
            lm = load_lm(folder) if self.options.word_model else None
            self._restorer = Restorer(self.lexicon, snap=self.options.snap_to_words, lm=lm)
        return self._restorer

    @property
    def glossary(self) -> Glossary:
        if self._glossary is None:
            self._glossary = load_glossary(starter_path(), *self.options.glossary_files)
        return self._glossary

    # ------------------------------------------------------------------ decoding

    def strategy_for(self, model_name: str, language: str) -> str:
        """The decoding strategy for this model and language."""
        return strategy_for(self.options, model_name, language)

    def planner(self, model_name: str, base: DecodeRequest) -> Planner:
        """How each window is decoded: pivot (English + romanized prompt) or native."""
        return decode_planner(self.options, self.glossary, model_name, base)

    # ------------------------------------------------------------------ post-processing

    def process(
        self,
        segments: Sequence[Segment],
        regions: Sequence[SpeechRegion],
        language: str,
        decoder: Redecoder | None = None,
    ) -> tuple[list[Segment], list[Removal]]:
        """Guard, classify, restore, apply the English policy and the glossary, segment by segment."""
        kept, removed = guard(segments, regions, self.options.prompt, self.options.guard)
        if not self.options.enabled or language == "en":
            return [label(s, "en" if language == "en" else s.language) for s in kept], removed
        if decoder is not None:  # what a re-decode writes goes through the same guard
            decoder = GuardedRedecoder(decoder, regions, self.options, removed)
        workers = getattr(decoder, "workers", 1)
        if workers > 1:  # load shared resources once, before threads ask for them
            _ = self.restorer, self.glossary, english.log_prob("the")
        converted = parallel_map(
            lambda group: self._first_pass(group, language, decoder), by_region(kept, regions), workers
        )
        runs = english_runs(converted, looks_english)
        checked = parallel_map(
            lambda run: (
                self._check_english(run, language, decoder) if run.english else [s for g in run.groups for s in g[1]]
            ),
            runs,
            workers,
        )
        out = [segment for segments in checked for segment in segments]
        return english.sentence_case([s for s in out if s.words]), removed

    def _first_pass(
        self, group: list[Segment], language: str, decoder: Redecoder | None
    ) -> tuple[list[Segment], list[Segment]]:
        """(the recogniser's segments, converted): a foreign-script stretch is decoded again first."""
        whole = joined(group)
        if decoder is not None and foreign(whole):
            retried = [s for s in decoder.pivot(whole) if not foreign(s)]
            if retried:
                return retried, [self.repair.convert(s, language) for s in retried]
        return group, [self.repair.convert(s, language) for s in group]

    def _check_english(self, run: Run, language: str, decoder: Redecoder | None) -> list[Segment]:
        """English-looking speech: keep it if the voice is English; if not, Whisper translated: romanize."""
        converted = [s for _, done in run.groups for s in done]
        whole = joined([s for original, _ in run.groups for s in original])
        if (
            decoder is None
            or confident_english(whole.words, self.options.english_confidence)
            or decoder.sounds_english(whole)
        ):
            return converted
        retried = [self.repair.convert(s, language) for s in decoder.romanize(whole)]
        if retried and telugu_share(retried) > telugu_share(converted):
            log.info("re-decoded a translated line at %d ms: %r", whole.start_ms, whole.text)
            return retried
        return converted
