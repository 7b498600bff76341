"""Telugu <-> ISO 15919 and skeletons: exact round trips, lossy keys that meet informal spellings."""

from hypothesis import given, settings
from hypothesis import strategies as st

from nishabdham.pipeline.codeswitch.restore import latin_skeleton, normalize_latin
from nishabdham.pipeline.telugu import from_iso, is_telugu_word, skeleton, to_iso, units

CONSONANTS = list("కఖగఘచఛజఝటఠడఢణతథదధనపఫబభమయరలవశషసహళఱ")
VOWEL_SIGNS = ["", "ా", "ి", "ీ", "ు", "ూ", "ృ", "ె", "ే", "ై", "ొ", "ో", "ౌ", "్"]
VOWELS = list("అఆఇఈఉఊఋఎఏఐఒఓఔ")
MODIFIERS = ["", "ం", "ః"]


@st.composite
def telugu_words(draw):
    syllables = []
    if draw(st.booleans()):
        syllables.append(draw(st.sampled_from(VOWELS)) + draw(st.sampled_from(MODIFIERS)))
    for _ in range(draw(st.integers(1, 5))):
        cluster = draw(st.sampled_from(CONSONANTS))
        if draw(st.integers(0, 4)) == 0:
            cluster += "్" + draw(st.sampled_from(CONSONANTS))
        sign = draw(st.sampled_from(VOWEL_SIGNS[:-1]))
        syllables.append(cluster + sign + draw(st.sampled_from(MODIFIERS)))
    return "".join(syllables)


@settings(max_examples=500, deadline=None)
@given(telugu_words())
def test_property_telugu_to_iso_to_telugu_is_the_identity(word):
    assert is_telugu_word(word)
    assert from_iso(to_iso(word)) == word


def test_iso_15919_examples():
    assert to_iso("ప్రవహించింది") == "pravahiṁciṁdi"
    assert to_iso("పేరు") == "pēru" and to_iso("పెద్ద") == "pedda"
    assert to_iso("వాళ్ళు") == "vāḷḷu"


def test_units_keep_aspirates_and_diphthongs_whole():
    assert units("khaḍgaṁ") == ["kh", "a", "ḍ", "g", "a", "ṁ"]
    assert units("sairan") == ["s", "ai", "r", "a", "n"]


def test_skeleton_forgets_what_informal_spelling_does_not_write():
    assert skeleton(to_iso("నీరు")) == skeleton(to_iso("నిరు")) == "niru"
    assert skeleton(to_iso("కొండ")) == "koMda"  # anusvara before a consonant
    assert skeleton(to_iso("పల్లె")) == "pale"  # doubled consonants collapse
    assert skeleton(to_iso("ఛందస్సు")) == latin_skeleton(normalize_latin("chandassu"))
    assert skeleton(to_iso("పద్యం")) == latin_skeleton(normalize_latin("padyam"))


def test_normalize_latin_maps_iso_diacritics_to_informal_spelling():
    assert normalize_latin("Kumāri,") == "kumaari"
    assert normalize_latin("ṣu") == "shu"
