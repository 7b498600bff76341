"""Code-switch post-processing: Telugu in Telugu script, English in English, terms spelled right.

The stage works on the recogniser's segments, stretch of speech by stretch of speech:

1. the hallucination guard removes text nothing was said under
   (:mod:`~nishabdham.pipeline.codeswitch.hallucination`);
2. a stretch written in a foreign script is decoded again with the pivot
   (:mod:`~nishabdham.pipeline.codeswitch.planner`, which also decides how windows are decoded);
3. each word is put in its right script and spelling (:mod:`~nishabdham.pipeline.codeswitch.repair`);
4. English-looking speech is checked with Whisper's language detector on its audio: a
   translation of Telugu is decoded again, romanizing, and repaired in turn; English the pivot
   wrote unsure of itself is decoded again as plain English;
5. no speech is lost silently: a speech region longer than ``min_covered_ms`` that still has no
   word is decoded again on its own (pivot, then native, no silence cut-off), and if that
   yields nothing it is recorded in ``removed`` (reason starting with :data:`LOST`) and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from nishabdham.pipeline.codeswitch import english, nbest
from nishabdham.pipeline.codeswitch.glossary import Glossary, load_glossary, starter_path
from nishabdham.pipeline.codeswitch.hallucination import ECHO, drop_double_readings, guard, strip_known_lines
from nishabdham.pipeline.codeswitch.lexicon import Lexicon, load_lexicon
from nishabdham.pipeline.codeswitch.lm import load_lm
from nishabdham.pipeline.codeswitch.options import CodeSwitchOptions
from nishabdham.pipeline.codeswitch.planner import (
    GuardedRedecoder,
    Redecoder,
    Run,
    by_region,
    confident_english,
    covering,
    decode_planner,
    english_runs,
    foreign,
    inside,
    is_english_voice,
    joined,
    looks_english,
    merge_redecoded,
    parallel_map,
    strategy_for,
    telugu_share,
)
from nishabdham.pipeline.codeswitch.repair import TELUGU_VOICE, WordRepair, label
from nishabdham.pipeline.codeswitch.restore import Restorer
from nishabdham.pipeline.decode.request import DecodeRequest, Planner
from nishabdham.pipeline.vad import SpeechRegion, uncovered
from nishabdham.types import Removal, Segment

log = logging.getLogger(__name__)

#: How the reason of a removal for speech that got no words at all begins (the runner warns of it).
LOST = "speech with no words"


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
    def folder(self) -> str:
        """Where the word list and word model are installed."""
        from nishabdham.installed import default_models_dir

        return self.models_dir or str(default_models_dir())

    @property
    def restorer(self) -> Restorer:
        if self._restorer is None:
            self.lexicon = load_lexicon(self.folder)
            lm = load_lm(self.folder) if self.options.word_model else None
            self._restorer = Restorer(self.lexicon, snap=self.options.snap_to_words, lm=lm)
        return self._restorer

    def load(self) -> None:
        """Load every resource of the stage now (a worker's warm-up), not on first use: the word
        list and word model, the glossary, and what English words are judged with."""
        _ = self.restorer, self.glossary
        english.load()

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
        if self.options.enabled and self.options.nbest > 1 and language != "en":
            segments = self._rescore(segments, language)
        else:
            segments = [replace(s, alternatives=()) if s.alternatives else s for s in segments]
        kept, removed = guard(segments, regions, self.options.prompt, self.options.guard)
        if not self.options.enabled or language == "en":
            return [label(s, "en" if language == "en" else s.language) for s in kept], removed
        if decoder is not None:  # what a re-decode writes goes through the same guard
            decoder = GuardedRedecoder(decoder, regions, self.options, removed)
        workers = getattr(decoder, "workers", 1)
        if workers > 1:  # load shared resources once, before threads ask for them
            self.load()
        converted = parallel_map(
            lambda group: self._first_pass(group, language, decoder), by_region(kept, regions), workers
        )
        runs = english_runs(converted, looks_english)
        checked = parallel_map(
            lambda run: (
                self._check_english(run, language, decoder, removed)
                if run.english
                else [s for g in run.groups for s in g[1]]
            ),
            runs,
            workers,
        )
        out = [segment for segments in checked for segment in segments if segment.words]
        out, doubles = drop_double_readings(self._cover(out, regions, removed, language, decoder))
        removed.extend(doubles)
        return english.sentence_case(out), removed

    def _rescore(self, segments: Sequence[Segment], language: str) -> list[Segment]:
        """Each segment read as the likeliest of the beam's readings (see :mod:`.nbest`)."""
        if not any(s.alternatives for s in segments):
            return list(segments)
        lm = load_lm(self.folder)
        out, changed = [], 0
        for segment in segments:
            best, differs = nbest.rescore(
                segment, lambda s: self.repair.convert(s, language), lm, self.restorer, self.options.nbest_lm_weight
            )
            out.append(best)
            changed += differs
        log.info("n-best rescoring chose another reading for %d of %d segments", changed, len(out))
        return out

    def _cover(
        self,
        segments: list[Segment],
        regions: Sequence[SpeechRegion],
        removed: list[Removal],
        language: str,
        decoder: Redecoder | None,
    ) -> list[Segment]:
        """Every speech region over ``min_covered_ms`` ends covered by words or by a removal."""
        if not self.options.min_covered_ms:
            return segments
        echoes = [x for x in removed if x.reason == ECHO]  # a prompt echo may hide real speech: not covered
        missing = [
            r
            for r in uncovered(list(regions), segments, self.options.min_covered_ms)
            if not any(_overlaps(x, r) for x in removed if x.reason != ECHO)
        ]
        echoed = [any(_overlaps(x, r) for x in echoes) for r in missing]
        found = parallel_map(
            lambda i: self._rescue(missing[i], language, decoder, echoed[i]),
            list(range(len(missing))),
            getattr(decoder, "workers", 1),
        )
        for region, got, echo in zip(missing, found, echoed):
            if got:
                why = f"was read as an {ECHO}; decoded again without the prompt" if echo else "had no words"
                log.info("speech at %d-%d ms %s; decoded again on its own", region.start_ms, region.end_ms, why)
                segments.extend(got)
                continue
            reason = _lost_reason(region, decoder is not None, echo)
            removed.append(Removal(region.start_ms, region.end_ms, "", reason))
            log.warning("%s at %d-%d ms", reason, region.start_ms, region.end_ms)
        return sorted(segments, key=lambda s: (s.start_ms, s.end_ms))

    def _rescue(self, region: SpeechRegion, language: str, decoder: Redecoder | None, echo: bool) -> list[Segment]:
        """The region decoded again: with the pivot's prompt, then natively without it (without it only,
        when the prompt was what Whisper wrote there)."""
        if decoder is None:
            return []
        probe = Segment(region.start_ms, region.end_ms, "")
        for strategy in ("native",) if echo else ("pivot", "native"):
            got = [s for s in decoder.rescue(probe, strategy) if s.words and not foreign(s)]
            got = [c for c in (self.repair.convert(s, language) for s in got) if c.words]
            if got:
                return got
        return []

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

    def _check_english(
        self,
        run: Run,
        language: str,
        decoder: Redecoder | None,
        removed: list[Removal],
        split: bool = True,
        p_english: float | None = None,
    ) -> list[Segment]:
        """English-looking speech: English if the detector hears English in the audio (then,
        written unsure, decoded again as plain English); if not, Whisper translated: romanize.

        A re-decode replaces only the speech it has words for: what it left out stays as it was.
        """
        if decoder is None:
            return [s for _, done in run.groups for s in done]
        if split and len(run.groups) > 1:  # each stretch its own check (cheap in a short context)
            parts = self._split_by_voice(run, decoder)
            return [s for part, p in parts for s in self._check_english(part, language, decoder, removed, False, p)]
        converted = [s for _, done in run.groups for s in done]
        whole = joined([s for original, _ in run.groups for s in original])
        if p_english is None:
            p_english = decoder.english_probability(whole)
        if is_english_voice(whole.words, p_english, self.options):
            out = []
            for original, done in run.groups:
                sure = confident_english([w for s in original for w in s.words], self.options.english_confidence)
                out.extend(done if sure else self._plain_english(joined(original), done, decoder))
            return out
        retried = [
            c for c in (self.repair.convert(s, language) for s in inside(decoder.romanize(whole), whole)) if c.words
        ]
        if retried and telugu_share(retried) > telugu_share([s for s in converted if covering(retried, s)]):
            log.info("re-decoded a translated line at %d ms (p(en)=%.3f): %r", whole.start_ms, p_english, whole.text)
            for rest in [s for s in converted if not covering(retried, s)]:  # the re-decode stopped short
                retried += [
                    c
                    for c in (self.repair.convert(s, language) for s in inside(decoder.romanize(rest), rest))
                    if c.words
                ]
            return merge_redecoded(converted, retried)
        # The voice is not English and the re-decode did no better: the first pass's Latin words are
        # what Whisper heard, written as English; read them as romanized Telugu (never keep a translation).
        heard, junk = strip_known_lines(
            [s for original, _ in run.groups for s in original], f"the voice is not English (p(en)={p_english:.3f})"
        )
        marked = [replace(s, strategy=f"{s.strategy}+{TELUGU_VOICE}") for s in heard]
        forced = [c for c in (self.repair.convert(s, language) for s in marked) if c.words]
        if forced and telugu_share(forced) > telugu_share(converted):
            removed.extend(junk)
            log.warning(
                "line at %d ms sounds Telugu (p(en)=%.3f) but was written as English; read as romanized Telugu: %r",
                whole.start_ms,
                p_english,
                whole.text,
            )
            return forced
        log.warning("line at %d ms may be a translation (p(en)=%.3f): kept %r", whole.start_ms, p_english, whole.text)
        return converted

    def _split_by_voice(self, run: Run, decoder: Redecoder) -> list[tuple[Run, float]]:
        """A run cut where the detector's verdict changes: a Telugu line right after English is never
        judged by the English before it (each part is then checked and re-decoded as one). Each
        stretch is asked once; a part's p(English) is its stretches' mean, weighted by duration."""
        parts: list[tuple[Run, list[tuple[float, int]]]] = []
        last = None
        for group in run.groups:
            original = joined(group[0])
            p_english = decoder.english_probability(original)
            english_voice = is_english_voice(original.words, p_english, self.options)
            heard = (p_english, max(1, original.end_ms - original.start_ms))
            if parts and english_voice == last:
                parts[-1][0].groups.append(group)
                parts[-1][1].append(heard)
            else:
                parts.append((Run(True, [group]), [heard]))
            last = english_voice
        return [(part, sum(p * d for p, d in heard) / sum(d for _, d in heard)) for part, heard in parts]

    def _plain_english(self, whole: Segment, converted: list[Segment], decoder: Redecoder) -> list[Segment]:
        """A stretch of English the pivot wrote unsure (``america`` for "Americans"): decoded as
        plain English, kept where it is at least as sure of its words."""
        retried = [label(s, "en") for s in inside(decoder.english(whole), whole)]
        if retried and _mean_probability(retried) >= _mean_probability(converted) - 0.05:
            return merge_redecoded(converted, retried)
        return converted


def _lost_reason(region: SpeechRegion, redecoded: bool, echo: bool) -> str:
    """Why speech stayed without words: what it was read as, and what was tried."""
    if not redecoded:
        tried = "no re-decode possible"
    elif echo:
        tried = f"its only reading was an {ECHO}; decoded again without the prompt, still nothing"
    else:
        tried = "decoded again on its own (pivot, native), still nothing"
    return f"{LOST}: {(region.end_ms - region.start_ms) / 1000:.1f} s of speech, {tried}"


def _overlaps(removal: Removal, region: SpeechRegion) -> bool:
    return removal.start_ms < region.end_ms and removal.end_ms > region.start_ms


def _mean_probability(segments: Sequence[Segment]) -> float:
    words = [w for s in segments for w in s.words]
    return sum(w.probability for w in words) / len(words) if words else 0.0
