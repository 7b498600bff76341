"""Known text (issue 14): reading the text, metre and yati, aligning lines, verse-aware cues, QA.

The heard words here are fakes (romanized as Whisper's pivot writes Telugu); the real
model on built readings is in tests/test_align_model.py.
"""

from __future__ import annotations

import pytest

from nishabdham.app.cli import main
from nishabdham.errors import InputError
from nishabdham.pipeline.align import align_text, snap_to_speech, text_cues, text_key
from nishabdham.pipeline.codeswitch import second_line
from nishabdham.pipeline.qa import qa_report
from nishabdham.pipeline.segment import CueRules, VersePiece, verse_cues
from nishabdham.pipeline.vad import SpeechRegion
from nishabdham.pipeline.verse import line_metre, parse_text, read_text, scan, yati_break
from nishabdham.types import Segment, Transcript, Word

L1 = "కలసపాడు బ్రిడ్జిపై నుంచి నీరు ప్రవహించింది"
L2 = "మీడియాలు వంత పాడు చుండు"
L3 = "బోసు వీరుని క్రాంతి"
L4 = "ముందుచూపు లేని మూర్ఖుండు చెడిపోవు"
CAMPAKAMALA = "స్ధిరమతులై సదాభజన సేయు మహాత్ముల పాదధూళి నా"
SARDULAM = "శ్రీకైవల్యపదంబుఁ జేరుటకునై చింతించెదన్ లోకర"


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


def test_poem_metre_is_the_majority_of_long_lines():
    assert parse_text(f"{CAMPAKAMALA}\n{CAMPAKAMALA}\n{L3}").metre == "campakamāla"
    assert parse_text(f"{L1}\n{L2}").metre == ""


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
    cues = verse_cues([VersePiece(words, "text", 1.0, yati_break(CAMPAKAMALA, "campakamāla"))], rules)
    assert [c.text for c in cues] == ["స్ధిరమతులై సదాభజన", "సేయు మహాత్ముల పాదధూళి నా"]
    plain = verse_cues([VersePiece(words, "text", 1.0)], rules)
    assert [c.text for c in plain] != [c.text for c in cues]  # without the metre the split falls elsewhere


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
    from nishabdham.pipeline.verse import text_beside, text_options
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
