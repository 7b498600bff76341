"""The options of the code-switch stage, in one place (settings read them from here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nishabdham.pipeline.codeswitch.hallucination import GuardOptions
from nishabdham.pipeline.codeswitch.langid import LangIdOptions

#: The prompt of the pivot decode: everyday romanized Telugu, so Whisper keeps writing
#: what it hears in Latin letters instead of translating it.
PIVOT_PROMPT = "meeru ela unnaaru? nenu baagunnaanu. ee kavitha chaala andamgaa undi."


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
    word_model: bool = True
    """Weigh candidate Telugu words by the corpus word model (off: the word list's prior alone)."""
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
    """English the recogniser wrote with at least this mean word probability (and at most 10 % of words below 0.5) counts as sure: the detector's bar is then ``english_check_confident``; unsure English is also decoded again as plain English."""
    english_check: float = 0.3
    """A line that comes out English is checked with Whisper's language detector on its audio; below this probability of English (and below ``english_check_confident`` for sure words) the voice is not English: Whisper translated, and the line is decoded again, romanizing. Tuned on speaker cv_te_spkA + JFK (Telugu at most 0.013, JFK 0.95); checked on cv_te_spkC (Telugu at most 0.041)."""
    english_check_confident: float = 0.1
    """The detector's bar for English written with sure words (same folds as ``english_check``)."""
    short_context: bool = True
    """The stage's language checks encode only their stretch's audio and a second of silence, not Whisper's full 30 s (about a tenth of the encoder's work, the detector's bars unchanged; see pipeline.encoder). Re-decodes always get the full 30 s: with a short context base decodes short stretches worse."""
    nbest: int = 1
    """Beam hypotheses the pivot decode keeps per window for rescoring with the Telugu word model (1: off)."""
    nbest_lm_weight: float = 0.5
    """Weight of the language evidence (word model, English frequency) against the acoustic score in n-best rescoring."""
    min_covered_ms: int = 1000
    """A speech region at least this long with no word after the stage is decoded again on its own; if still nothing, it is recorded in ``removed`` with a warning (0: no coverage pass)."""
    langid: LangIdOptions = field(default_factory=LangIdOptions)
    """Per-word language identification."""
    guard: GuardOptions = field(default_factory=GuardOptions)
    """The hallucination guard."""
