"""Known text (issue 14): reading the text, metre and yati, aligning lines, verse-aware cues, QA.

The heard words here are fakes (romanized as Whisper's pivot writes Telugu); the real
model on built readings is in tests/test_align_model.py.
"""

from __future__ import annotations

import pytest

from nishabdham.app.cli import main
from nishabdham.errors import InputError
from nishabdham.pipeline.codeswitch import second_line
from nishabdham.pipeline.cues.qa import qa_report
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.pipeline.cues.segment import VersePiece, verse_cues
from nishabdham.pipeline.known_text.align import align_text, snap_to_speech, text_cues, text_key
from nishabdham.pipeline.known_text.verse import (
    identify_metre,
    line_metre,
    pada_breaks,
    parse_ganas,
    parse_text,
    read_text,
    scan,
    yati_break,
)
from nishabdham.pipeline.vad import SpeechRegion
from nishabdham.types import Segment, Transcript, Word

L1 = "కలసపాడు బ్రిడ్జిపై నుంచి నీరు ప్రవహించింది"
L2 = "మీడియాలు వంత పాడు చుండు"
L3 = "బోసు వీరుని క్రాంతి"
L4 = "ముందుచూపు లేని మూర్ఖుండు చెడిపోవు"
CAMPAKAMALA = "స్ధిరమతులై సదాభజన సేయు మహాత్ముల పాదధూళి నా"
SARDULAM = "శ్రీకైవల్యపదంబుఁ జేరుటకునై చింతించెదన్ లోకర"

# Classical verses in the public domain, as commonly printed.
VEMANA = [  # Vēmana śatakam: āṭaveladi
    "ఉప్పుకప్పురంబు నొక్కపోలికనుండు",
    "చూడచూడ రుచుల జాడవేరు",
    "పురుషులందు పుణ్య పురుషులు వేరయా",
    "విశ్వదాభిరామ వినురవేమ",
]
VEMANA_ALPUDU = [  # āṭaveladi; చు before మ్రో and బు before మ్రో count as laghu
    "అల్పుడెపుడు పల్కు నాడంబరముగాను",
    "సజ్జనుండు పల్కు చల్లగాను",
    "కంచు మ్రోగినట్లు కనకంబు మ్రోగునా",
    "విశ్వదాభిరామ వినురవేమ",
]
TELUGADELA = [  # Śrīkṛṣṇadēvarāya, Āmuktamālyada: āṭaveladi
    "తెలుఁగదేల యన్న దేశంబు తెలుఁగేను",
    "దెలుఁగు వల్లభుండఁ దెలుఁగొకండ",
    "ఎల్ల నృపులు గొలువ నెఱుఁగవే బాసాడి",
    "దేశభాషలందుఁ దెలుఁగు లెస్స",
]
SUMATI = [  # Sumati śatakam: kandam (a pāda may end inside a word: "మోహరమునఁ దా|నెక్కిన")
    "అక్కరకు రాని చుట్టము",
    "మ్రొక్కిన వరమీని వేల్పు మోహరమునఁదా",
    "నెక్కిన బారని గుర్రము",
    "గ్రక్కున విడువంగవలయుఁ గదరా సుమతీ",
]
SUMATI_KOPAME = [  # kandam; మె before స్వ counts as laghu
    "తన కోపమె తన శత్రువు",
    "తన శాంతమె తనకు రక్ష దయ చుట్టంబౌ",
    "తన సంతోషమె స్వర్గము",
    "తన దుఃఖమె నరకమండ్రు తథ్యము సుమతీ",
]
MANDARA = [  # Pōtana, Bhāgavatam (Prahlāda): sīsam, then its tēṭagīti
    "మందార మకరంద మాధుర్యమునఁ దేలు మధుపంబు వోవునే మదనములకు",
    "నిర్మల మందాకినీ వీచికలఁ దూఁగు రాయంచ సనునె తరంగిణులకు",
    "లలిత రసాలపల్లవ ఖాదియై చొక్కు కోయిల సేరునే కుటజములకుఁ",
    "బూర్ణేందు చంద్రికా స్ఫురిత చకోరక మరుగునే సాంద్ర నీహారములకు",
    "అంబుజోదర దివ్య పాదారవింద",
    "చింతనామృత పానవిశేష మత్త",
    "చిత్త మేరీతి నితరంబుఁ జేరనేర్చు",
    "వినుత గుణశీల! మాటలు వేయునేల?",
]
PROSE = [  # Common Voice sentences (CC0)
    "కలసపాడు బ్రిడ్జిపై నుంచి నీరు ప్రవహించింది",
    "ఇప్పుడే ఒక చక్కటి కల కన్నాను",
    "కాసిన పండ్లభారము చేత వృక్షములు వంగినట్లు",
    "ముద్దనూరు చెరువు కట్ట తెగింది",
]


def heard(start_ms: int, romanized: str, step: int = 450) -> list[Word]:
    return [Word(start_ms + i * step, start_ms + i * step + 400, w, 0.9, w) for i, w in enumerate(romanized.split())]


# --------------------------------------------------------------------------- the text file


def test_text_lines_stanzas_and_punctuation_kept(tmp_path):
    path = tmp_path / "poem.txt"
    path.write_text(f"\ufeff{L1}\n  {L2},  \n\n\n{L3}!\n", encoding="utf-8")
    poem = read_text(path)
    assert [line.text for line in poem.lines] == [L1, f"{L2},", f"{L3}!"]
    assert [line.stanza for line in poem.lines] == [0, 0, 1]
    assert [line.number for line in poem.lines] == [1, 2, 5]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\n  \n", "empty"), (b"\xff\xfe\x00k", "not UTF-8"), (None, "not found")],
)
def test_unusable_text_file_is_named(tmp_path, content, message):
    path = tmp_path / "poem.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        read_text(path)
    assert str(path) in str(caught.value)


def test_cli_rejects_empty_text_before_decoding(capsys, tmp_path):
    text = tmp_path / "poem.txt"
    text.write_text("\n", encoding="utf-8")
    code = main(
        ["transcribe", "--no-progress", str(tmp_path / "reading.wav"), "--text", str(text), "--out", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert code == 1 and str(text) in err and "empty" in err


# --------------------------------------------------------------------------- metre


def test_scan_and_metre_of_known_vrttas():
    assert "".join(m for m, _ in scan(CAMPAKAMALA)) == "IIIIUIUIIIUIIUIIUIUIU"
    assert line_metre(CAMPAKAMALA) == "campakamāla"
    assert line_metre(SARDULAM) == "śārdūlam"
    assert line_metre(L4) == ""


def test_yati_break_is_the_word_holding_the_yati_syllable():
    assert CAMPAKAMALA.split()[yati_break(CAMPAKAMALA, "campakamāla")] == "సేయు"  # 11th syllable: సే
    assert SARDULAM.split()[yati_break(SARDULAM, "śārdūlam")] == "చింతించెదన్"  # 13th: చిం
    assert yati_break(CAMPAKAMALA, "") is None


def test_ganas_of_a_pada():
    marks = "".join(m for m, _ in scan(VEMANA[0]))  # ఉప్పు కప్పు రంబు | నొక్కపో లికనుండు
    assert parse_ganas(marks, "SSSII") == ((0, 2, 4, 6, 9),)
    assert parse_ganas(marks, "SSSSS") == ()
    # kandam, 2nd pāda: భ స జ భ స fits; a భ in the 6th place of the half-verse (జ or నల only) does not
    assert parse_ganas("UIIIIUIUIUIIIIU", "KOJOG") == ((0, 3, 6, 9, 12),)
    assert parse_ganas("UIIIIUUIIUIIIIU", "KOJOG") == ()
    assert parse_ganas("IUIIIUIIU" + "UU", "OKOK") == ()  # జ never in an odd place
    assert parse_ganas("UIIUIIUIx", "OKO")  # a final laghu counts as guru


@pytest.mark.parametrize(
    ("lines", "metre"),
    [
        (VEMANA, "āṭaveladi"),
        (VEMANA_ALPUDU, "āṭaveladi"),
        (TELUGADELA, "āṭaveladi"),
        (SUMATI, "kandam"),
        (SUMATI_KOPAME, "kandam"),
        ([f"{SUMATI[0]} {SUMATI[1]}", f"{SUMATI[2]} {SUMATI[3]}"], "kandam"),  # printed as two half-verses
        ([f"{SUMATI[0]} {SUMATI[1]}", f"{SUMATI[2]} {SUMATI[3][:-1]}"], ""),  # సుమత: a kandam ends in a guru
        (MANDARA, "sīsam"),
        (MANDARA[4:], "tēṭagīti"),
        (VEMANA[:2], "āṭaveladi"),
        (PROSE, ""),
        (PROSE[:2], ""),
        ([VEMANA[1], VEMANA[0], VEMANA[3], VEMANA[2]], ""),  # the lines of an āṭaveladi out of place
        ([SUMATI[1], SUMATI[0], SUMATI[3], SUMATI[2]], ""),
        (MANDARA[:1], ""),  # one line is not enough to name a jāti
    ],
)
def test_jati_metres_are_identified_by_their_ganas(lines, metre):
    assert identify_metre(lines) == metre


def test_sisa_padas_printed_in_halves_and_stanzas():
    halves = []
    for pada in MANDARA[:4]:  # each half is the first four words and the last three
        words = pada.split()
        halves += [" ".join(words[:4]), " ".join(words[4:])]
    assert identify_metre(halves + MANDARA[4:]) == "sīsam"
    poem = parse_text("\n".join(VEMANA) + "\n\n" + "\n".join(VEMANA_ALPUDU))
    assert poem.metre == "āṭaveladi"
    # a stanza restarts the shape: without the blank line, a 3-line stanza would put the next verse out of step
    assert parse_text("\n".join(VEMANA[:3]) + "\n\n" + "\n".join(TELUGADELA)).metre == "āṭaveladi"
    assert identify_metre(VEMANA[:3] + TELUGADELA) == ""


def test_jati_yati_breaks_at_the_word_that_opens_the_yati_gana():
    def split(line: str, metre: str) -> list[str]:
        words = line.split()
        return [" ".join(words[b:]) for b in pada_breaks(line, metre)]

    assert split(VEMANA[0], "āṭaveladi") == ["నొక్కపోలికనుండు"]  # 4th gaṇa: నొ (yati with ఉ)
    assert split(VEMANA[1], "āṭaveladi") == ["జాడవేరు"]  # జా (with చూ)
    assert split(VEMANA_ALPUDU[2], "āṭaveladi") == ["కనకంబు మ్రోగునా"]  # క (with కం)
    assert split(SUMATI[1], "kandam") == ["మోహరమునఁదా"]  # 4th gaṇa of the 2nd pāda: మో (with మ్రొ)
    assert split(SUMATI_KOPAME[1], "kandam") == ["దయ చుట్టంబౌ"]
    assert split(SUMATI[0], "kandam") == []  # a 1st pāda has no yati
    assert split(MANDARA[6], "sīsam") == ["జేరనేర్చు"]  # the tēṭagīti after a sīsam: జే (with చి)
    # a sīsa pāda: between its halves first, then each half's yati (3rd and 7th gaṇa)
    assert split(MANDARA[0], "sīsam") == [
        "మధుపంబు వోవునే మదనములకు",
        "మాధుర్యమునఁ దేలు మధుపంబు వోవునే మదనములకు",
        "మదనములకు",
    ]
    assert yati_break(VEMANA[0], "āṭaveladi") == 1
    assert pada_breaks(PROSE[2], "āṭaveladi") == ()  # a line that is not a pāda of the metre
    assert pada_breaks(VEMANA[0], "") == ()


def test_poem_metre_is_what_three_in_four_lines_scan_as():
    assert parse_text(f"{L3}\n{CAMPAKAMALA}\n{CAMPAKAMALA}\n{CAMPAKAMALA}").metre == "campakamāla"  # a title line
    assert parse_text(f"{CAMPAKAMALA}\n{CAMPAKAMALA}\n{L3}").metre == ""  # a third of it is something else
    assert parse_text(f"{L1}\n{L2}").metre == ""
    # one vṛtta line among other long lines names no vṛtta, and a line that does not scan gets no yati
    assert identify_metre([CAMPAKAMALA, SARDULAM]) == ""
    assert identify_metre([CAMPAKAMALA, CAMPAKAMALA, CAMPAKAMALA, SARDULAM]) == "campakamāla"
    assert pada_breaks(SARDULAM, "campakamāla") == () and pada_breaks(CAMPAKAMALA, "campakamāla")


# --------------------------------------------------------------------------- alignment


def test_keys_agree_across_scripts():
    assert text_key("నీరు,") == text_key("neeru") == text_key("niru")
    assert text_key("Americans") == text_key("americans.")


def test_intro_repeat_and_skip():
    poem = parse_text("\n".join([L1, L2, L3, L4]))
    words = (
        heard(0, "and so my fellow americans")
        + heard(4000, "kalasapadu bridge pai nunchi neeru pravahinchindi")
        + heard(9000, "meediyalu vanta padu chundu")
        + heard(12000, "mediyalu vantha paadu chundu")
        + heard(15000, "mundu chupu leni moorkhundu chedipovu")
    )
    alignment = align_text(poem, words)
    assert [m.line for m in alignment.matches] == [0, 1, 1, 3]
    assert alignment.skipped == (2,) and alignment.repeated == (1,)
    assert alignment.added == ((0, 5),)
    first = alignment.matches[0]
    assert " ".join(w.text for w in first.words) == L1
    assert first.start_ms == 4000 and first.end_ms == 4000 + 5 * 450 + 400
    assert all(a.end_ms <= b.start_ms for a, b in zip(first.words, first.words[1:]))


def test_nothing_like_the_text_places_nothing():
    poem = parse_text(f"{L1}\n{L2}")
    alignment = align_text(poem, heard(0, "ask not what your country can do for you"))
    assert alignment.matches == () and alignment.skipped == (0, 1)


def test_snap_moves_line_edges_to_its_speech_region():
    poem = parse_text(L2)
    words = heard(1000, "meediyalu vanta padu chundu")
    match = align_text(poem, words).matches[0]
    snapped = snap_to_speech(match, words, [SpeechRegion(700, 3100)], 200)
    assert (snapped.start_ms, snapped.end_ms) == (900, 2900)
    busy = words + heard(2500, "ika")  # another word in the same region after the line: its end stays
    assert snap_to_speech(match, busy, [SpeechRegion(700, 3100)], 200).end_ms == match.end_ms


def test_snap_at_the_recordings_edges_keeps_the_heard_time_inside_the_cut_padding():
    """A region at the recording's start or end lost its padding there: the line is not moved by a whole pad."""
    poem = parse_text(L2)
    words = heard(60, "meediyalu vanta padu chundu")  # the last word ends at 1810
    match = align_text(poem, words).matches[0]
    snapped = snap_to_speech(match, words, [SpeechRegion(0, 1900)], 200, duration_ms=1900)
    assert (snapped.start_ms, snapped.end_ms) == (60, 1810)  # not 200 and 1700
    late = heard(700, "meediyalu vanta padu chundu")  # heard later than the padding allows; ends at 2450
    match = align_text(poem, late).matches[0]
    snapped = snap_to_speech(match, late, [SpeechRegion(0, 2500)], 200, duration_ms=2500)
    assert (snapped.start_ms, snapped.end_ms) == (200, 2450)
    inside = snap_to_speech(match, late, [SpeechRegion(0, 2500)], 200, duration_ms=9000)
    assert inside.end_ms == 2300  # the region ends before the recording does: its padding is whole


def test_the_timing_reference_is_where_the_voice_is(te_rows):
    """The built readings' timing reference (tests/text_recordings.py): the trim, except where a clip holds non-speech."""
    from pathlib import Path

    from tests.text_recordings import SAMPLE_RATE, clip_speech_edges, trimmed

    for row in te_rows:
        onset, offset = clip_speech_edges(str(row["path"]))
        length = len(trimmed(Path(row["path"]))) * 1000 // SAMPLE_RATE
        name = Path(row["path"]).stem
        if name.endswith("42973996"):  # a click, then 0.8 s of room noise before the voice
            assert 880 <= onset <= 960 and length - offset <= 20, (onset, offset, length)
        elif name.endswith("42973997"):  # a two-note chime after the voice
            assert onset <= 20 and 650 <= length - offset <= 900, (onset, offset, length)
        else:
            assert onset <= 20 and length - offset <= 20, (name, onset, offset, length)


def test_text_cues_carry_text_second_line_origin_and_report():
    poem = parse_text(f"{L2}!\n{L3}")
    words = heard(0, "and so") + heard(3000, "meediyalu vanta padu chundu") + heard(6000, "bosu veeruni kranti")
    cues, report = text_cues(poem, [Segment(0, 8000, "", tuple(words))], CueRules(), 9000, second_line)
    assert [(c.origin, c.text) for c in cues] == [("heard", "and so"), ("text", f"{L2}!"), ("text", L3)]
    assert cues[1].second == "mīḍiyālu vaṁta pāḍu cuṁḍu!" and cues[1].confidence > 0.8
    assert [line["status"] for line in report["lines"]] == ["aligned", "aligned"]
    assert report["added"][0]["text"] == "and so"


def english(start_ms: int, text: str, step: int = 0) -> list[Word]:
    """English as Whisper writes it (``lang`` en): invented ones often of no length (``step`` 0)."""
    return [
        Word(start_ms + i * step, start_ms + (i + 1) * step, w, 0.5, "", "en", "Latin")
        for i, w in enumerate(text.split())
    ]


def test_invented_english_inside_a_line_is_set_aside_not_the_lines_tail():
    """Whisper base writes English nobody said inside a Telugu line: the line keeps its tail (issue 20)."""
    poem = parse_text(f"{L2}\n{L4}")
    words = (
        heard(0, "meediyalu vanta padu chundu")
        + heard(3000, "mundu chupu leni")
        + english(4350, "thank you for watching the video")
        + heard(4350, "moorkhundu chedipovu")
    )
    alignment = align_text(poem, words)
    assert [(m.line, m.first, m.last) for m in alignment.matches] == [(0, 0, 4), (1, 4, len(words))]
    assert alignment.added == ()
    line = alignment.matches[1]
    assert (line.start_ms, line.end_ms) == (3000, 4350 + 450 + 400)
    assert "thank you for watching the video" in line.words[0].source  # the reviewer sees what was heard
    assert line.confidence == align_text(poem, words[:7] + words[13:]).matches[1].confidence  # scored without it
    cues, report = text_cues(poem, [Segment(0, 6000, "", tuple(words))], CueRules(), 6000)
    assert [(c.origin, c.text) for c in cues] == [("text", L2), ("text", L4)] and report["added"] == []


def test_a_loan_word_heard_as_english_stays_in_the_line_while_invented_english_goes():
    """ "bridge" of బ్రిడ్జిపై heard as English is the text's: it still times its word; the invented line goes."""
    poem = parse_text(L1)
    words = (
        heard(0, "kalasapadu")
        + english(450, "bridgepa", 400)
        + heard(900, "inundi niru")
        + english(1800, "thank you for watching the video")
        + heard(1800, "pravahinchendhi")
    )
    alignment = align_text(poem, words)
    assert [(m.first, m.last) for m in alignment.matches] == [(0, len(words))] and alignment.added == ()
    timed = alignment.matches[0].words
    assert (timed[1].text, timed[1].start_ms) == ("బ్రిడ్జిపై", 450)  # from "bridgepa", not squeezed after it
    assert timed[-1].end_ms == 2200


def test_a_real_english_comment_inside_a_line_is_not_taken_in():
    """Set-aside English still counts against a stretch's length (ENGLISH_SPAN_WEIGHT): a reader's comment of
    several seconds between two halves of a line is not hidden under the line's cue, the line reaching across it."""
    poem = parse_text(L1)
    comment = "and so my fellow americans ask not what your country can do for you ask what you can do for your country"
    tail = 4 + len(comment.split())
    words = (
        heard(0, "kalasapadu bridge pai nunchi") + english(1800, comment, 400) + heard(10600, "neeru pravahinchindi")
    )
    alignment = align_text(poem, words)
    assert [m.first for m in alignment.matches] == [0] and alignment.matches[0].last < tail
    assert alignment.added[-1][1] == len(words)  # the comment's end and the line's tail are heard speech


def test_english_at_a_lines_edge_is_not_set_aside_into_it():
    """Only English inside a stretch (between two words of the line) is set aside: an introduction stays apart."""
    poem = parse_text(L2)
    words = english(0, "this is a poem by the author", 400) + heard(3000, "meediyalu vanta padu chundu")
    alignment = align_text(poem, words)
    assert [(m.first, m.last) for m in alignment.matches] == [(7, 11)] and alignment.added == ((0, 7),)


# --------------------------------------------------------------------------- verse-aware cues


def _timed(text: str, start: int, step: int = 500) -> tuple[Word, ...]:
    return tuple(Word(start + i * step, start + i * step + 450, w) for i, w in enumerate(text.split()))


def test_cue_never_crosses_a_line_even_without_a_pause():
    pieces = [VersePiece(_timed("ఒకటి రెండు", 0), "text", 1.0), VersePiece(_timed("మూడు నాలుగు", 1000), "text", 1.0)]
    cues = verse_cues(pieces, CueRules())
    assert [c.text for c in cues] == ["ఒకటి రెండు", "మూడు నాలుగు"]


def test_line_that_fits_stays_whole_across_a_pause():
    words = _timed("ఒకటి రెండు", 0) + _timed("మూడు", 2000)
    assert [c.text for c in verse_cues([VersePiece(words, "text", 1.0)], CueRules())] == ["ఒకటి రెండు మూడు"]


def test_long_line_splits_at_the_yati():
    words = _timed(CAMPAKAMALA, 0, 1200)
    rules = CueRules(max_line_complex=25, max_lines=1)
    cues = verse_cues([VersePiece(words, "text", 1.0, pada_breaks(CAMPAKAMALA, "campakamāla"))], rules)
    assert [c.text for c in cues] == ["స్ధిరమతులై సదాభజన", "సేయు మహాత్ముల పాదధూళి నా"]
    plain = verse_cues([VersePiece(words, "text", 1.0)], rules)
    assert [c.text for c in plain] != [c.text for c in cues]  # without the metre the split falls elsewhere


def test_long_sisa_pada_splits_at_its_halves_then_the_yatis():
    words = _timed(MANDARA[0], 0, 1200)
    breaks = pada_breaks(MANDARA[0], parse_text("\n".join(MANDARA)).metre)
    halves = verse_cues([VersePiece(words, "text", 1.0, breaks)], CueRules(max_lines=1))
    assert [c.text for c in halves] == ["మందార మకరంద మాధుర్యమునఁ దేలు", "మధుపంబు వోవునే మదనములకు"]
    narrow = verse_cues([VersePiece(words, "text", 1.0, breaks)], CueRules(max_lines=1, max_line_complex=15))
    assert [c.text for c in narrow] == ["మందార మకరంద", "మాధుర్యమునఁ దేలు", "మధుపంబు వోవునే మదనములకు"]


def test_text_cues_split_a_sisa_pada_by_the_poems_metre():
    def said(lines: list[str]) -> tuple[Word, ...]:  # each pāda read word by word, no pause inside it
        return tuple(
            Word(i * 10000 + j * 700, i * 10000 + j * 700 + 600, w, 0.9)
            for i, line in enumerate(lines)
            for j, w in enumerate(line.split())
        )

    rules = CueRules(max_lines=1, max_line_complex=15)
    poem = parse_text("\n".join(MANDARA))
    cues, report = text_cues(poem, [Segment(0, 90000, "", said(MANDARA))], rules, 90000)
    assert report["metre"] == "sīsam"
    assert [c.text for c in cues[:3]] == ["మందార మకరంద", "మాధుర్యమునఁ దేలు", "మధుపంబు వోవునే మదనములకు"]
    lone = parse_text(MANDARA[0])  # one line names no jāti: the usual rules cut across the halves
    cues, _ = text_cues(lone, [Segment(0, 9000, "", said(MANDARA[:1]))], rules, 9000)
    assert [c.text for c in cues] == ["మందార మకరంద మాధుర్యమునఁ", "దేలు మధుపంబు", "వోవునే మదనములకు"]


# --------------------------------------------------------------------------- QA


def test_qa_flags_skipped_low_confidence_repeated_and_added():
    alignment = {
        "lines": [
            {"line": 1, "text": L1, "status": "skipped", "readings": []},
            {"line": 2, "text": L2, "status": "repeated", "readings": [
                {"start_ms": 0, "end_ms": 900, "confidence": 0.9, "heard": "x"},
                {"start_ms": 1000, "end_ms": 1900, "confidence": 0.4, "heard": "y"}]},
        ],
        "added": [{"start_ms": 2000, "end_ms": 2500, "text": "and so"}],
        "low_confidence": 0.6,
    }  # fmt: skip
    transcript = Transcript("r.wav", 3000, "te", 1.0, "base", alignment=alignment)
    report = qa_report(transcript, CueRules())
    kinds = {k: n for k, n in report.counts.items() if n}
    assert kinds == {"text-skipped": 1, "text-low-confidence": 1, "text-repeated": 1, "text-added": 1}


# --------------------------------------------------------------------------- where a text comes from


def test_manifest_row_text_file_is_resolved_and_checked(tmp_path):
    from nishabdham.evaluation.manifest import read_manifest

    (tmp_path / "a.wav").write_bytes(b"x")
    (tmp_path / "a.txt").write_text(L1, encoding="utf-8")
    rows = [
        {"audio_filepath": "a.wav", "text": L1, "text_file": "a.txt"},
        {"audio_filepath": "a.wav", "text": L1, "text_file": "missing.txt"},
        {"audio_filepath": "a.wav", "text": L1},
    ]
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("\n".join(__import__("json").dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    entries, problems = read_manifest(manifest)
    assert [e.text_file for e in entries] == [tmp_path / "a.txt", None]
    assert len(problems) == 1 and "text_file not found" in problems[0].message


def test_eval_scores_text_given_rows_apart(tmp_path):
    from nishabdham.evaluation.evaluate import build_run, score_row
    from nishabdham.evaluation.manifest import ManifestEntry, ManifestRow

    entry = ManifestEntry(tmp_path / "m.jsonl", 1, ManifestRow(audio_filepath="a.wav", text=L1), tmp_path / "a.wav")
    run = build_run([score_row(entry, L1, text_given=True), score_row(entry, L2)])
    assert run.by_text["text-given"].cer == 0.0 and run.by_text["heard"].cer > 0.5
    assert build_run([score_row(entry, L2)]).by_text == {}


def test_upload_text_is_saved_beside_the_recording_and_changes_the_job(tmp_path):
    from nishabdham.errors import UploadError
    from nishabdham.pipeline.known_text.verse import text_beside, text_options
    from nishabdham.review_ui.uploads import save_text

    recording = tmp_path / "poem.mp3"
    recording.write_bytes(b"x")
    assert save_text(recording, "  \n") is None and text_options(recording) == {}
    saved = save_text(recording, f"{L1}\r\n\r\n{L2}\r\n")
    assert saved == text_beside(recording) == tmp_path / "poem.txt"
    assert [line.stanza for line in read_text(saved).lines] == [0, 1]
    first = text_options(recording)["text_sha256"]
    save_text(recording, L3)
    assert text_options(recording)["text_sha256"] != first
    with pytest.raises(UploadError, match="at most"):
        save_text(recording, "క" * 300_000)
