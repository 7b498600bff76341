"""Writers and strict readers: SRT and WebVTT round trips, validity, atomic writes."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nishabdham.errors import OutputError, SubtitleFormatError
from nishabdham.pipeline.cues.rules import CueRules, cue_lines
from nishabdham.pipeline.cues.subtitles import (
    WriterOptions,
    atomic_write_text,
    check_cues,
    parse_srt,
    parse_vtt,
    render_srt,
    render_vtt,
    write_outputs,
)
from nishabdham.types import Cue, Transcript

RULES = CueRules()
pieces = st.sampled_from(list("abcdefgh ijkl,.?!'&<>-") + ["నీ", "రు", "ప్ర", "వ", "హిం", "చిం", "ది", "శ్రీ", " "])
line_text = st.lists(pieces, min_size=1, max_size=40).map(lambda p: " ".join("".join(p).split())).filter(bool)


@st.composite
def cue_lists(draw):
    n = draw(st.integers(min_value=0, max_value=25))
    t, cues = draw(st.integers(0, 5000)), []
    for _ in range(n):
        t += draw(st.integers(0, 4000))
        length = draw(st.integers(1, 9000))
        second = draw(st.one_of(st.just(""), line_text))
        cues.append(Cue(t, t + length, draw(line_text), second=second))
        t += length
    return cues


@settings(max_examples=200, deadline=None)
@given(cue_lists())
def test_srt_round_trip_gives_back_the_same_cues(cues):
    parsed = parse_srt(render_srt(cues, RULES))
    assert [(p.index, p.start_ms, p.end_ms, list(p.lines)) for p in parsed] == [
        (i, c.start_ms, c.end_ms, cue_lines(c, RULES)) for i, c in enumerate(cues, 1)
    ]


@settings(max_examples=200, deadline=None)
@given(cue_lists())
def test_vtt_round_trip_gives_back_the_same_cues(cues):
    parsed = parse_vtt(render_vtt(cues, RULES))
    assert [(p.index, p.start_ms, p.end_ms, list(p.lines)) for p in parsed] == [
        (i, c.start_ms, c.end_ms, cue_lines(c, RULES)) for i, c in enumerate(cues, 1)
    ]


def test_srt_has_indices_from_one_and_comma_milliseconds():
    text = render_srt([Cue(1200, 3_723_004, "నీరు ప్రవహించింది")], RULES)
    assert text.startswith("1\n00:00:01,200 --> 01:02:03,004\nనీరు ప్రవహించింది\n")


def test_vtt_has_header_and_dot_milliseconds():
    text = render_vtt([Cue(1200, 2000, "a < b & c")], RULES)
    assert text.startswith("WEBVTT\n\n1\n00:00:01.200 --> 00:00:02.000\na &lt; b &amp; c\n")


def test_strict_srt_parsing_rejects_a_malformed_cue():
    good = render_srt([Cue(0, 1000, "one"), Cue(2000, 3000, "two")], RULES)
    broken = good.replace("00:00:02,000 --> 00:00:03,000", "00:00:02,000 -> nonsense")
    with pytest.raises(SubtitleFormatError):
        parse_srt(broken)


def test_strict_srt_parsing_rejects_overlap():
    text = "1\n00:00:00,000 --> 00:00:02,000\na\n\n2\n00:00:01,000 --> 00:00:03,000\nb\n"
    with pytest.raises(SubtitleFormatError, match="overlapping"):
        parse_srt(text)


def test_strict_vtt_parsing_rejects_a_missing_header():
    with pytest.raises(SubtitleFormatError):
        parse_vtt("1\n00:00:00.000 --> 00:00:01.000\nno header\n")


def test_check_cues_rejects_overlap_and_cues_past_the_end():
    with pytest.raises(SubtitleFormatError, match="before the previous"):
        check_cues([Cue(0, 1000, "a"), Cue(900, 1500, "b")])
    with pytest.raises(SubtitleFormatError, match="after the recording"):
        check_cues([Cue(0, 1000, "a")], duration_ms=800)


def _transcript(cues, duration=10_000):
    return Transcript(
        source="x.wav", duration_ms=duration, language="te", language_probability=1.0, model="m", cues=tuple(cues)
    )


def test_write_outputs_writes_every_format_in_utf8(tmp_path):
    cues = [Cue(0, 1500, "నీరు ప్రవహించింది", second="nīru pravahiṁciṁdi")]
    written = write_outputs(_transcript(cues), tmp_path, "reading", RULES)
    names = sorted(p.name for p in written)
    assert names == [
        "reading.en.srt",
        "reading.en.vtt",
        "reading.json",
        "reading.srt",
        "reading.te.srt",
        "reading.te.vtt",
        "reading.vtt",
    ]
    assert written[-1].name == "reading.json"  # the JSON marks a complete set, so it comes last
    assert "నీరు" in (tmp_path / "reading.te.srt").read_text(encoding="utf-8")
    assert "nīru" not in (tmp_path / "reading.te.srt").read_text(encoding="utf-8")
    assert "nīru" in (tmp_path / "reading.en.srt").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "reading.json").read_text(encoding="utf-8"))
    assert data["cues"][0]["text"] == "నీరు ప్రవహించింది"


def test_write_outputs_only_requested_formats(tmp_path):
    written = write_outputs(_transcript([Cue(0, 900, "a")]), tmp_path, "r", RULES, WriterOptions(formats=("srt",)))
    assert [p.name for p in written] == ["r.srt"]


def test_invalid_cues_leave_earlier_outputs_untouched(tmp_path):
    write_outputs(_transcript([Cue(0, 900, "first")]), tmp_path, "r", RULES)
    before = (tmp_path / "r.srt").read_text(encoding="utf-8")
    with pytest.raises(SubtitleFormatError):
        write_outputs(_transcript([Cue(0, 900, "a"), Cue(100, 200, "overlap")]), tmp_path, "r", RULES)
    assert (tmp_path / "r.srt").read_text(encoding="utf-8") == before
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_atomic_write_into_a_file_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="not-a-dir"):
        atomic_write_text(blocker / "out.srt", "text")


def test_written_files_are_readable_by_others_like_any_new_file(tmp_path):
    import stat

    written = write_outputs(_transcript([Cue(0, 900, "a")]), tmp_path, "r", RULES)
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044  # group and others may read (umask 022)
