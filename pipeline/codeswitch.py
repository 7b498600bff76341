"""Code-switch post-processing: Telugu in Telugu script, English in English, terms spelled right.

The stage works on the recogniser's segments, word by word, and keeps every
word's timing:

1. the hallucination guard removes text nothing was said under;
2. each word is classified (:mod:`pipeline.langid`): Telugu script, English,
   romanized Telugu, or another script;
3. romanized Telugu is restored to Telugu script (:mod:`pipeline.restore`);
   Indic scripts Whisper wrote by mistake (Kannada, Devanagari ...) are
   transliterated to Telugu;
4. English words follow the policy: kept in Latin (default) or written in
   Telugu script; loanwords Whisper wrote in Telugu script follow it too;
5. near misses of glossary terms are corrected to their canonical spelling.

How each window is *decoded* is decided here too (:func:`planner`): with the
``pivot`` strategy Whisper is asked for English with a romanized-Telugu
prompt, which makes it write a phonetic romanization of Telugu (restored in
step 3) and plain English for English; with ``native`` it decodes Telugu
directly and a window that comes out in a foreign script is decoded again
with the pivot.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import regex

from app.types import Removal, Segment, Word
from pipeline import english
from pipeline.glossary import Glossary, latin_skeleton, load_glossary, starter_path
from pipeline.hallucination import GuardOptions, guard
from pipeline.langid import ENGLISH, OTHER, ROMANIZED, TELUGU, LangIdOptions, Token, classify
from pipeline.lexicon import Lexicon, load_lexicon
from pipeline.restore import Restorer, normalize_latin
from pipeline.script import script_counts
from pipeline.telugu import skeleton, to_iso
from pipeline.transcribe import DecodeRequest, Planner
from pipeline.vad import SpeechRegion, Window

log = logging.getLogger(__name__)

#: The prompt of the pivot decode: everyday romanized Telugu, so Whisper keeps writing
#: what it hears in Latin letters instead of translating it.
PIVOT_PROMPT = "meeru ela unnaaru? nenu baagunnaanu. ee kavitha chaala andamgaa undi."
_EDGE = regex.compile(r"^(\W*)(.*?)(\W*)$", regex.DOTALL)
_HAS_WORD = regex.compile(r"[\p{L}\p{N}\p{S}]")  # drop tokens that are punctuation only
_INDIC_SCRIPTS = {
    "Devanagari": "DEVANAGARI", "Kannada": "KANNADA", "Tamil": "TAMIL", "Malayalam": "MALAYALAM",
    "Bengali": "BENGALI", "Gujarati": "GUJARATI", "Gurmukhi": "GURMUKHI", "Oriya": "ORIYA",
}  # fmt: skip
#: Models that write Telugu script poorly; for them the pivot is the measured better strategy.
_SMALL_MODELS = ("tiny", "base", "small", "whisper-base")


@dataclass(frozen=True, slots=True)
class CodeSwitchOptions:
    """Options of the code-switch stage."""

    enabled: bool = True
    """Run the stage at all (off: the recogniser's text is kept as it is)."""
    strategy: str = "auto"
    """``pivot``, ``native``, or ``auto`` (pivot for the small models, native for large ones)."""
    english_words: str = "latin"
    """English words (and English loanwords) in ``latin`` letters, or in ``telugu`` script."""
    restore: bool = True
    """Turn romanized Telugu into Telugu script."""
    snap_to_words: bool = True
    """Let restoration choose real Telugu words from the word list (off: spell unit by unit only)."""
    rejoin_words: bool = True
    """Merge romanized fragments into one real word, or split a run-together token into two."""
    glossary: bool = True
    """Correct near misses of glossary terms."""
    glossary_files: tuple[str, ...] = ()
    """Glossary files read after the starter glossary (the data directory's glossary.toml is added by settings)."""
    hotwords: int = 25
    """How many glossary terms are given to the decoder as hotwords in native decoding (0: none)."""
    prompt: str = PIVOT_PROMPT
    """The decoding prompt of the pivot strategy."""
    english_confidence: float = 0.85
    """English the recogniser wrote with at least this mean word probability is taken as spoken English without asking the language detector (1.0: always ask)."""
    english_check: float = 0.3
    """A line that comes out English is checked with Whisper's language detector; below this probability of English the voice is not English, and the line is decoded again, romanizing."""
    langid: LangIdOptions = field(default_factory=LangIdOptions)
    """Per-word language identification."""
    guard: GuardOptions = field(default_factory=GuardOptions)
    """The hallucination guard."""


class Redecoder(Protocol):
    """What the stage may ask of the recogniser for one segment's audio."""

    def pivot(self, segment: Segment) -> list[Segment]:
        """Decode the segment's audio again with the pivot (English + romanized prompt)."""

    def sounds_english(self, segment: Segment) -> bool:
        """Whether Whisper's language detector hears English in the segment's audio."""


    def romanize(self, segment: Segment) -> list[Segment]:
        """Decode the segment's audio as Telugu, allowing Latin letters only."""


class _GuardedRedecoder:
    """A Redecoder whose output passes the hallucination guard, removals added to ``removed``.

    A re-decode runs greedily without temperature fallback, so a repetition loop would
    otherwise reach the subtitles unchecked.
    """

    def __init__(self, inner: Redecoder, regions: Sequence[SpeechRegion], options: CodeSwitchOptions, removed: list[Removal]) -> None:
        self.inner, self.regions, self.options, self.removed = inner, regions, options, removed

    def _guarded(self, segments: list[Segment]) -> list[Segment]:
        kept, dropped = guard(segments, self.regions, self.options.prompt, self.options.guard)
        self.removed.extend(dropped)
        return kept

    def pivot(self, segment: Segment) -> list[Segment]:
        return self._guarded(self.inner.pivot(segment))

    def sounds_english(self, segment: Segment) -> bool:
        return self.inner.sounds_english(segment)

    @property
    def workers(self) -> int:
        return getattr(self.inner, "workers", 1)

    def romanize(self, segment: Segment) -> list[Segment]:
        return self._guarded(self.inner.romanize(segment))


class CodeSwitcher:
    """The stage with its resources (word list, glossary), loaded once per process."""

    def __init__(self, options: CodeSwitchOptions = CodeSwitchOptions(), models_dir: str = "") -> None:
        self.options = options
        self.models_dir = models_dir
        self._lexicon: Lexicon | None = None
        self._restorer: Restorer | None = None
        self._glossary: Glossary | None = None

    @property
    def restorer(self) -> Restorer:
        if self._restorer is None:
            from pipeline.model import default_models_dir

            self._lexicon = load_lexicon(self.models_dir or str(default_models_dir()))
            self._restorer = Restorer(self._lexicon, snap=self.options.snap_to_words)
        return self._restorer

    @property
    def glossary(self) -> Glossary:
        if self._glossary is None:
            self._glossary = load_glossary(starter_path(), *self.options.glossary_files)
        return self._glossary

    # ------------------------------------------------------------------ decoding

    def strategy_for(self, model_name: str, language: str) -> str:
        """The decoding strategy for this model and language."""
        if language == "en" or not self.options.enabled:
            return "native"
        if self.options.strategy != "auto":
            return self.options.strategy
        name = model_name.lower()
        return "pivot" if any(name == m or name.startswith(m + " ") or name.endswith("-" + m) for m in _SMALL_MODELS) else "native"

    def planner(self, model_name: str, base: DecodeRequest) -> Planner:
        """How each window is decoded: pivot (English + romanized prompt) or native."""
        hot_latin = self.glossary.hotwords(self.options.hotwords, "latin") if self.options.hotwords else ""
        hot_telugu = self.glossary.hotwords(self.options.hotwords, "telugu") if self.options.hotwords else ""

        def plan(window: Window, language: str) -> DecodeRequest:
            if self.strategy_for(model_name, language) == "pivot":
                # No hotwords here: measured on the dev set, base recites the hotword list into
                # pauses (CER 0.48 -> 1.19); the glossary still corrects near misses afterwards.
                return replace(base, language="en", initial_prompt=self.options.prompt, hotwords="", strategy="pivot")
            if language in ("", "auto"):  # Whisper detects the language of every segment
                return replace(base, language=None, multilingual=True, hotwords=base.hotwords or hot_latin, strategy="native")
            hot = hot_telugu if language == "te" else hot_latin
            return replace(base, language=language, hotwords=base.hotwords or hot, strategy="native")

        return plan

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
            return [_label(s, "en" if language == "en" else s.language) for s in kept], removed
        if decoder is not None:  # what a re-decode writes goes through the same guard
            decoder = _GuardedRedecoder(decoder, regions, self.options, removed)
        workers = getattr(decoder, "workers", 1)
        if workers > 1:  # load shared resources once, before threads ask for them
            _ = self.restorer, self.glossary, english.log_prob("the")
        converted = _map(lambda group: self._first_pass(group, language, decoder), _by_region(kept, regions), workers)
        runs = _english_runs(converted, self._looks_english)
        checked = _map(
            lambda run: self._check_english(run, language, decoder) if run.english else [s for g in run.groups for s in g[1]],
            runs,
            workers,
        )
        out = [segment for segments in checked for segment in segments]
        return english.sentence_case([s for s in out if s.words]), removed

    def _first_pass(self, group: list[Segment], language: str, decoder: Redecoder | None) -> tuple[list[Segment], list[Segment]]:
        """(the recogniser's segments, converted): a foreign-script stretch is decoded again first."""
        whole = _joined(group)
        if decoder is not None and _foreign(whole):
            retried = [s for s in decoder.pivot(whole) if not _foreign(s)]
            if retried:
                return retried, [self._convert(s, language) for s in retried]
        return group, [self._convert(s, language) for s in group]

    def _check_english(self, run: _Run, language: str, decoder: Redecoder | None) -> list[Segment]:
        """English-looking speech: keep it if the voice is English; if not, Whisper translated: romanize."""
        converted = [s for _, done in run.groups for s in done]
        whole = _joined([s for original, _ in run.groups for s in original])
        if decoder is None or self._confident(whole.words) or decoder.sounds_english(whole):
            return converted
        retried = [self._convert(s, language) for s in decoder.romanize(whole)]
        if retried and _telugu_share(retried) > _telugu_share(converted):
            log.info("re-decoded a translated line at %d ms: %r", whole.start_ms, whole.text)
            return retried
        return converted

    def _confident(self, words: Sequence[Word]) -> bool:
        """Whisper was sure of these words: real English, no need to ask the language detector.

        Measured on the dev recordings, real English ran at a mean word probability of 0.88-0.92
        with at most 9 % of words below 0.5; translations of Telugu at 0.29-0.66 with 31 % or more.
        """
        if not words:
            return False
        mean = sum(w.probability for w in words) / len(words)
        unsure = sum(w.probability < 0.5 for w in words) / len(words)
        return mean >= self.options.english_confidence and unsure <= 0.1

    def _looks_english(self, segment: Segment) -> bool:
        english_words = sum(1 for w in segment.words if w.lang == "en")
        return len(segment.words) >= 3 and english_words / len(segment.words) >= 0.6

    def _convert(self, segment: Segment, language: str) -> Segment:
        telugu_prior = self.options.langid.telugu_prior
        if language == "te":
            telugu_prior = 0.8  # the user said the recording is Telugu
        langid = replace(self.options.langid, telugu_prior=telugu_prior)
        if "romanize" in segment.strategy:  # decoded as Telugu because the detector heard no English here
            langid = replace(langid, telugu_prior=0.95, unknown_is_telugu=True)
        pieces = [_Piece(w, *_EDGE.match(w.text).groups()) for w in segment.words]
        tokens = classify([p.core for p in pieces], self.restorer, langid)
        for piece, token in zip(pieces, tokens):
            piece.token = token
        if self.options.restore and self.options.rejoin_words and self.options.snap_to_words:
            pieces = self._rebound(pieces)
        words = []
        for piece in pieces:
            text, lang = self._word_text(piece.core, piece.token) if piece.core else ("", "")
            text = piece.lead + text + piece.trail
            if not text.strip() or not _HAS_WORD.search(text):
                continue
            changed = text != piece.word.text
            words.append(replace(piece.word, text=text, source=piece.word.text if changed else "", lang=lang, script=_script(text)))
        words = self._apply_glossary(words)
        text = " ".join(w.text for w in words)
        strategy = segment.strategy + ("+restore" if any(w.source for w in words) else "")
        return replace(segment, words=tuple(words), text=text, language=_segment_language(words), script=_script(text), strategy=strategy)

    def _rebound(self, pieces: list[_Piece]) -> list[_Piece]:
        """Move word boundaries of romanized Telugu where real words need them (merge two, split one)."""
        merged: list[_Piece] = []
        for piece in pieces:
            prev = merged[-1] if merged else None
            if prev is not None and _romanized(prev) and _romanized(piece) and not prev.trail and not piece.lead:
                joined = self.restorer.merge(prev.core, piece.core)
                if joined is not None:
                    word = replace(prev.word, end_ms=piece.word.end_ms, text=prev.word.text + " " + piece.word.text,
                                   probability=min(prev.word.probability, piece.word.probability))  # fmt: skip
                    merged[-1] = _Piece(word, prev.lead, prev.core + piece.core, piece.trail, replace(piece.token, restoration=joined))
                    continue
            merged.append(piece)
        out: list[_Piece] = []
        for piece in merged:
            cut = self.restorer.split(piece.core) if _romanized(piece) else None
            if cut is None:
                out.append(piece)
                continue
            at, left, right = cut
            latin = normalize_latin(piece.core)
            middle = piece.word.start_ms + (piece.word.end_ms - piece.word.start_ms) * at // max(len(latin), 1)
            first = replace(piece.word, end_ms=middle, text=latin[:at])
            second = replace(piece.word, start_ms=middle, text=latin[at:])
            out.append(_Piece(first, piece.lead, latin[:at], "", replace(piece.token, restoration=left)))
            out.append(_Piece(second, "", latin[at:], piece.trail, replace(piece.token, restoration=right)))
        return out

    def _word_text(self, core: str, token: Token) -> tuple[str, str]:
        if token.kind == ROMANIZED and self.options.restore and token.restoration:
            return token.restoration.telugu, "te"
        if token.kind == ENGLISH:
            if self.options.english_words == "telugu":
                return english.to_telugu(core) or core, "en"
            return core, "en"
        if token.kind == TELUGU:
            loan = self._loanword(core)
            if loan and self.options.english_words == "latin":
                return loan, "en"
            return core, "te"
        if token.kind == OTHER:
            return _indic_to_telugu(core), "te"
        return core, ""

    def _loanword(self, core: str) -> str | None:
        iso = to_iso(core)
        lexicon = self._lexicon
        if lexicon is not None and iso in lexicon.curated:
            return None  # a real Telugu word that only sounds like English (నీరు, "near")
        return english.loanword_for(iso)

    def _apply_glossary(self, words: list[Word]) -> list[Word]:
        """Replace near misses of glossary terms (one, two or three words long) with the canonical term."""
        if not self.options.glossary or not words:
            return words
        glossary, out, i = self.glossary, [], 0
        while i < len(words):
            for n in (3, 2, 1):
                chunk = words[i : i + n]
                if len(chunk) < n:
                    continue
                term = glossary.match(_chunk_key(chunk))
                if term and term.words <= n:
                    lead, _, _ = _EDGE.match(chunk[0].text).groups()
                    _, _, trail = _EDGE.match(chunk[-1].text).groups()
                    text = lead + term.telugu + trail
                    source = " ".join(w.source or w.text for w in chunk)
                    merged = replace(chunk[0], end_ms=chunk[-1].end_ms, text=text, source=source if text != source else "", lang="te", script="Telugu",
                                     probability=min(w.probability for w in chunk))  # fmt: skip
                    out.append(merged)
                    i += n
                    break
            else:
                out.append(words[i])
                i += 1
        return out


@dataclass
class _Piece:
    """A word split into leading punctuation, its core and trailing punctuation, with its kind."""

    word: Word
    lead: str
    core: str
    trail: str
    token: Token | None = None


def _romanized(piece: _Piece) -> bool:
    return piece.token is not None and piece.token.kind == ROMANIZED and piece.token.restoration is not None


def second_line(text: str) -> str:
    """The English-readable second line: ISO 15919 for Telugu words, English words as they are.

    A line with no Telugu in it has nothing to transliterate: its second line is empty.
    """
    if not script_counts(text).get("Telugu"):
        return ""
    out = []
    for word in text.split():
        lead, core, trail = _EDGE.match(word).groups()
        out.append(lead + (to_iso(core) if script_counts(core).get("Telugu") else core) + trail)
    return " ".join(out)


def _chunk_key(chunk: Sequence[Word]) -> str:
    parts = []
    for word in chunk:
        _, core, _ = _EDGE.match(word.text).groups()
        counts = script_counts(core)
        if counts.get("Telugu"):
            parts.append(skeleton(to_iso(core)))
        elif counts.get("Latin"):
            parts.append(latin_skeleton(normalize_latin(core)))
        else:
            return ""
    return "".join(parts)


def _indic_to_telugu(word: str) -> str:
    from indic_transliteration import sanscript

    counts = script_counts(word)
    for script, scheme in _INDIC_SCRIPTS.items():
        if counts.get(script):
            return sanscript.transliterate(word, getattr(sanscript, scheme), sanscript.TELUGU)
    return word


def _foreign(segment: Segment) -> bool:
    """Mostly letters in a script that is neither Telugu nor Latin (and not a sister Indic script)."""
    counts = script_counts(segment.text)
    total = sum(counts.values())
    foreign = sum(n for s, n in counts.items() if s not in ("Telugu", "Latin") and s not in _INDIC_SCRIPTS)
    return total > 0 and foreign / total > 0.5


def _by_region(segments: Sequence[Segment], regions: Sequence[SpeechRegion]) -> list[list[Segment]]:
    """Consecutive segments grouped by the speech region their middle falls in."""
    starts = [r.start_ms for r in regions]
    groups: list[list[Segment]] = []
    last = None
    for segment in segments:
        middle = (segment.start_ms + segment.end_ms) // 2
        index = bisect.bisect_right(starts, middle) - 1
        if groups and index == last:
            groups[-1].append(segment)
        else:
            groups.append([segment])
        last = index
    return groups


@dataclass
class _Run:
    """Consecutive stretches of speech that all look English (or all do not)."""

    english: bool
    groups: list[tuple[list[Segment], list[Segment]]]


def _english_runs(converted, looks_english, max_gap_ms: int = 2000) -> list[_Run]:
    """English-looking stretches less than ``max_gap_ms`` apart form one run: one language check for all."""
    runs: list[_Run] = []
    for original, done in converted:
        if not done:
            runs.append(_Run(False, [(original, done)]))
            continue
        english = looks_english(_joined(done))
        last = runs[-1] if runs else None
        close = last is not None and last.groups[-1][1] and done[0].start_ms - last.groups[-1][1][-1].end_ms < max_gap_ms
        if english and last is not None and last.english and close:
            last.groups.append((original, done))
        else:
            runs.append(_Run(english, [(original, done)]))
    return runs


def _map(function, items: Sequence, workers: int) -> list:
    """``[function(item) for item in items]``, ``workers`` at a time when the recogniser has several.

    Each item may re-decode its audio; CTranslate2 runs without Python's lock, so the checks
    of independent stretches of speech overlap the way the first pass's windows do.
    """
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="codeswitch") as pool:
        return list(pool.map(function, items))


def _joined(group: Sequence[Segment]) -> Segment:
    """One segment standing for a group (for checks and re-decodes; never written out)."""
    if len(group) == 1:
        return group[0]
    words = tuple(w for s in group for w in s.words)
    return replace(group[0], words=words, text=" ".join(s.text for s in group), end_ms=max(s.end_ms for s in group))


def _telugu_share(segments: Sequence[Segment]) -> float:
    words = [w for s in segments for w in s.words]
    return sum(1 for w in words if w.lang == "te") / len(words) if words else 0.0


def _segment_language(words: Sequence[Word]) -> str:
    te = sum(1 for w in words if w.lang == "te")
    en = sum(1 for w in words if w.lang == "en")
    if te and en and min(te, en) / (te + en) >= 0.2:
        return "te-en"
    return "te" if te >= en else "en"


def _label(segment: Segment, language: str) -> Segment:
    words = tuple(replace(w, lang=language, script=_script(w.text)) for w in segment.words)
    return replace(segment, words=words, language=language, script=_script(segment.text))


def _script(text: str) -> str:
    counts = script_counts(text)
    return counts.most_common(1)[0][0] if counts else ""

