"""Word-level text repair: each word of a segment in its right script and spelling.

For one segment at a time, keeping every word's timing:

1. each word is classified (:mod:`~nishabdham.pipeline.codeswitch.langid`): Telugu script,
   English, romanized Telugu, or another script;
2. romanized Telugu is restored to Telugu script (:mod:`~nishabdham.pipeline.codeswitch.restore`),
   with word boundaries moved where real words need them; Indic scripts Whisper wrote by
   mistake (Kannada, Devanagari ...) are transliterated to Telugu;
3. English words follow the policy: kept in Latin (default) or written in Telugu script;
   loanwords Whisper wrote in Telugu script follow it too;
4. near misses of glossary terms are corrected to their canonical spelling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import regex

from nishabdham.pipeline.codeswitch import english
from nishabdham.pipeline.codeswitch.glossary import Glossary, latin_skeleton
from nishabdham.pipeline.codeswitch.langid import ENGLISH, OTHER, ROMANIZED, TELUGU, Token, classify
from nishabdham.pipeline.codeswitch.lexicon import Lexicon
from nishabdham.pipeline.codeswitch.options import CodeSwitchOptions
from nishabdham.pipeline.codeswitch.planner import INDIC_SCRIPTS
from nishabdham.pipeline.codeswitch.restore import Restorer, is_clitic, normalize_latin
from nishabdham.pipeline.script import script_counts
from nishabdham.pipeline.telugu import skeleton, to_iso
from nishabdham.types import Segment, Word

#: Strategy mark of a stretch whose Latin words are read as romanized Telugu whatever they look
#: like: the language detector heard no English in its audio (see stage._check_english).
TELUGU_VOICE = "telugu-voice"
#: Case endings and clitics a glossary term may carry (longest first): the term is matched without them.
ENDINGS = ("లోని", "లో", "ను", "ని", "కు", "కి", "తో", "గా", "లు", "నో")
_EDGE = regex.compile(r"^(\W*)(.*?)(\W*)$", regex.DOTALL)
_HAS_WORD = regex.compile(r"[\p{L}\p{N}\p{S}]")  # drop tokens that are punctuation only


class Resources(Protocol):
    """The word list, restorer and glossary, loaded once per process by the stage."""

    @property
    def restorer(self) -> Restorer: ...

    @property
    def glossary(self) -> Glossary: ...

    @property
    def lexicon(self) -> Lexicon | None: ...


class WordRepair:
    """Classify, restore, apply the English policy and the glossary to one segment's words."""

    def __init__(self, options: CodeSwitchOptions, resources: Resources) -> None:
        self.options, self.resources = options, resources

    def convert(self, segment: Segment, language: str) -> Segment:
        telugu_prior = self.options.langid.telugu_prior
        if language == "te":
            telugu_prior = 0.8  # the user said the recording is Telugu
        langid = replace(self.options.langid, telugu_prior=telugu_prior)
        if "romanize" in segment.strategy:  # decoded as Telugu because the detector heard no English here
            langid = replace(langid, telugu_prior=0.95, unknown_is_telugu=True)
        pieces = [_Piece(w, *_EDGE.match(w.text).groups()) for w in segment.words]
        tokens = classify([p.core for p in pieces], self.resources.restorer, langid)
        if TELUGU_VOICE in segment.strategy:  # the detector heard no English and a re-decode did no better:
            tokens = [self._as_romanized(token) for token in tokens]  # every Latin word is romanized Telugu
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
            words.append(
                replace(
                    piece.word, text=text, source=piece.word.text if changed else "", lang=lang, script=script_of(text)
                )
            )
        words = self._apply_glossary(words)
        text = " ".join(w.text for w in words)
        strategy = segment.strategy + ("+restore" if any(w.source for w in words) else "")
        return replace(
            segment,
            words=tuple(words),
            text=text,
            language=_segment_language(words),
            script=script_of(text),
            strategy=strategy,
        )

    def _as_romanized(self, token: Token) -> Token:
        restoration = self.resources.restorer.restore(token.text) if token.kind == ENGLISH else None
        return replace(token, kind=ROMANIZED, restoration=restoration) if restoration else token

    def _rebound(self, pieces: list[_Piece]) -> list[_Piece]:
        """Move word boundaries of romanized Telugu where real words need them (merge two, split one)."""
        merged: list[_Piece] = []
        for piece in pieces:
            prev = merged[-1] if merged else None
            attachable = _romanized(piece) or _ending(piece)
            if prev is not None and _romanized(prev) and attachable and not prev.trail and not piece.lead:
                joined = self.resources.restorer.merge(prev.core, piece.core)
                if joined is not None:
                    word = replace(prev.word, end_ms=piece.word.end_ms, text=prev.word.text + " " + piece.word.text,
                                   probability=min(prev.word.probability, piece.word.probability))  # fmt: skip
                    merged[-1] = _Piece(
                        word, prev.lead, prev.core + piece.core, piece.trail, replace(piece.token, restoration=joined)
                    )
                    continue
            merged.append(piece)
        out: list[_Piece] = []
        for piece in merged:
            cut = self.resources.restorer.split(piece.core) if _romanized(piece) else None
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
        lexicon = self.resources.lexicon
        if lexicon is not None and iso in lexicon.curated:
            return None  # a real Telugu word that only sounds like English (నీరు, "near")
        return english.loanword_for(iso)

    def _apply_glossary(self, words: list[Word]) -> list[Word]:
        """Replace near misses of glossary terms (one, two or three words long) with the canonical term."""
        if not self.options.glossary or not words:
            return words
        glossary, out, i = self.resources.glossary, [], 0
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
                out.append(self._term_with_ending(words[i]))
                i += 1
        return out

    def _term_with_ending(self, word: Word) -> Word:
        """A term with a case ending joined to it (భాగవతంలో): the term's canonical spelling, ending kept."""
        lead, core, trail = _EDGE.match(word.text).groups()
        if not script_counts(core).get("Telugu"):
            return word
        for ending in ENDINGS:
            stem = core[: -len(ending)]
            if core.endswith(ending) and len(stem) > len(ending):
                term = self.resources.glossary.match(skeleton(to_iso(stem)))
                if term is not None and term.words == 1:
                    text = lead + term.telugu + ending + trail
                    return replace(word, text=text, source=word.source or word.text) if text != word.text else word
        return word


@dataclass
class _Piece:
    """A word split into leading punctuation, its core and trailing punctuation, with its kind."""

    word: Word
    lead: str
    core: str
    trail: str
    token: Token | None = None


def _ending(piece: _Piece) -> bool:
    """A short Latin word read as English that may be a Telugu ending written apart (``melu no``)."""
    return piece.token is not None and piece.token.kind == ENGLISH and is_clitic(piece.core)


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
    for script, scheme in INDIC_SCRIPTS.items():
        if counts.get(script):
            return sanscript.transliterate(word, getattr(sanscript, scheme), sanscript.TELUGU)
    return word


def _segment_language(words: Sequence[Word]) -> str:
    te = sum(1 for w in words if w.lang == "te")
    en = sum(1 for w in words if w.lang == "en")
    if te and en and min(te, en) / (te + en) >= 0.2:
        return "te-en"
    return "te" if te >= en else "en"


def label(segment: Segment, language: str) -> Segment:
    words = tuple(replace(w, lang=language, script=script_of(w.text)) for w in segment.words)
    return replace(segment, words=words, language=language, script=script_of(segment.text))


def script_of(text: str) -> str:
    """The script most of the letters of ``text`` are in (empty when it has none)."""
    counts = script_counts(text)
    return counts.most_common(1)[0][0] if counts else ""
