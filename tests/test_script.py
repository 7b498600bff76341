from nishabdham.pipeline.script import dominant_script, grapheme_len, graphemes, is_complex, script_counts, script_share


def test_telugu_is_counted_in_aksharas_not_code_points():
    word = "ప్రవహించింది"
    assert len(word) == 12
    assert graphemes(word) == ["ప్ర", "వ", "హిం", "చిం", "ది"]
    assert grapheme_len(word) == 5


def test_script_counts_attribute_marks_to_their_letter():
    counts = script_counts("తెలుగు bridge ١٢ क")
    assert counts["Telugu"] == 3
    assert counts["Latin"] == 6
    assert counts["Devanagari"] == 1
    assert "Common" not in counts


def test_dominant_script_and_share():
    assert dominant_script("నీరు ప్రవహించింది water") == "Telugu"
    assert dominant_script("123 !!") == ""
    assert script_share("నీరు ab", "Telugu") == 2 / 4
    assert script_share("", "Telugu") == 1.0


def test_complex_scripts_get_the_short_line_limit():
    assert is_complex("నీరు")
    assert is_complex("water నీరు")
    assert not is_complex("water, 1961")
