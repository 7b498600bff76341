"""Glossary suggestions from reviewers' corrections: recurring substitutions become [[term]] tables."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from nishabdham.app.cli import main
from nishabdham.errors import GlossaryError
from nishabdham.evaluation.glossary_suggest import Suggestion, corrections, known_forms, mine, to_toml
from nishabdham.evaluation.manifest import read_manifest

REVIEWED = [
    # (machine's hypothesis, reviewer's text)
    ("పోతాన రాసిన భాగవతం", "పోతన రాసిన భాగవతం"),
    ("మహా కవి పోతాన", "మహా కవి పోతన"),
    ("శ్రీ నాధుడు చెప్పిన పద్యం", "శ్రీనాథుడు చెప్పిన పద్యం"),
    ("శ్రీ నాధుడు కవి", "శ్రీనాథుడు కవి"),
    ("పోతాణ భక్తి", "పోతన భక్తి"),  # once only: not a variant
    ("the brij was old", "the bridge was old"),  # English correction: not a glossary term
    ("the brij again", "the bridge again"),
    ("ఒకటే మాట", "ఒకటే మాట"),  # nothing corrected
]


def reviewed_manifest(folder: Path, pairs=REVIEWED) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "manifest.jsonl"
    lines = [
        json.dumps(
            {"audio_filepath": f"audio/{i}.wav", "text": ref, "hypothesis": hyp, "lang": "te"}, ensure_ascii=False
        )
        for i, (hyp, ref) in enumerate(pairs)
    ]
    lines.append(json.dumps({"audio_filepath": "audio/x.wav", "text": "పోతన", "lang": "te"}))  # no hypothesis: skipped
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_corrections_join_neighbouring_edits_and_skip_rewrites():
    assert [(c.machine, c.reviewer) for c in corrections("శ్రీనాథుడు చెప్పిన", "శ్రీ నాధుడు చెప్పిన")] == [("శ్రీ నాధుడు", "శ్రీనాథుడు")]
    assert corrections("ఒకటి రెండు", "ఒకటి రెండు") == []
    assert corrections("ఒకటి", "") == []  # a deletion is not a form to correct
    assert corrections("a b c d e", "v w x y z") == []  # five words rewritten: not a term


def test_mining_keeps_corrections_seen_at_least_twice(tmp_path):
    entries, _ = read_manifest(reviewed_manifest(tmp_path / "reviewed"), check_files=False)
    suggestions = mine(entries)
    assert [(s.telugu, s.variants, s.count) for s in suggestions] == [
        ("పోతన", ("పోతాన",), 2),
        ("శ్రీనాథుడు", ("శ్రీ నాధుడు",), 2),
    ]
    assert suggestions[0].iso == "pōtana" and suggestions[1].iso == "śrīnāthuḍu"
    assert suggestions[0].evidence == ("manifest.jsonl:1", "manifest.jsonl:2")
    assert {s.telugu for s in mine(entries, min_count=1)} >= {"పోతన", "శ్రీనాథుడు"}
    assert "పోతాణ" in next(s for s in mine(entries, min_count=1) if s.telugu == "పోతన").variants


def test_terms_the_glossary_already_knows_are_not_suggested_again(tmp_path):
    entries, _ = read_manifest(reviewed_manifest(tmp_path / "reviewed"), check_files=False)
    glossary = tmp_path / "glossary.toml"
    glossary.write_text(
        '[[term]]\ntelugu = "పోతన"\niso = "pōtana"\nvariants = ["పోతాన"]\ngloss = "poet"\nkind = "poet"\n',
        encoding="utf-8",
    )
    assert [s.telugu for s in mine(entries, known=known_forms([glossary]))] == ["శ్రీనాథుడు"]
    glossary.write_text("[[term]\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match="cannot be read") as caught:
        known_forms([glossary])
    assert str(glossary) in str(caught.value)


def test_toml_is_the_glossary_format_and_reads_back():
    suggestions = [Suggestion("పోతన", "pōtana", ("పోతాన", 'say "పోతాన"\\'), 2, ("m.jsonl:1", "m.jsonl:2"))]
    data = tomllib.loads(to_toml(suggestions, "header line\nsecond"))
    assert data == {
        "term": [{"telugu": "పోతన", "iso": "pōtana", "variants": ["పోతాన", 'say "పోతాన"\\'], "gloss": "", "kind": "term"}]
    }


def test_cli_reads_the_reviewed_set_and_writes_suggestions_into_the_data_folder(capsys):
    data_dir = Path(os.environ["NISHABDHAM_DATA_DIR"])
    reviewed_manifest(data_dir / "evalsets" / "reviewed")
    assert main(["glossary", "suggest"]) == 0
    written = data_dir / "glossary" / "suggestions.toml"
    terms = tomllib.loads(written.read_text(encoding="utf-8"))["term"]
    assert [t["telugu"] for t in terms] == ["పోతన", "శ్రీనాథుడు"]
    assert "2 suggestions written" in capsys.readouterr().out


def test_cli_reports_bad_lines_and_still_suggests(tmp_path, capsys):
    manifest = reviewed_manifest(tmp_path / "set")
    with manifest.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    out = tmp_path / "s.toml"
    assert main(["glossary", "suggest", str(manifest), "--out", str(out)]) == 1
    assert f"{manifest}:10: broken JSON" in capsys.readouterr().err
    assert len(tomllib.loads(out.read_text(encoding="utf-8"))["term"]) == 2


def test_a_recording_approved_again_counts_once(tmp_path):
    folder = tmp_path / "reviewed"
    folder.mkdir()
    rows = []
    for version in (1, 2):  # the same recording approved twice: only the newest approval counts
        for i, (hyp, ref) in enumerate(REVIEWED[:2]):
            rows.append(
                {
                    "audio_filepath": f"a/{version}-{i}.wav",
                    "text": ref,
                    "hypothesis": hyp,
                    "lang": "te",
                    "job": "j1",
                    "set_version": version,
                }
            )
    (folder / "manifest.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    entries, _ = read_manifest(folder / "manifest.jsonl", check_files=False)
    suggestions = mine(entries)
    assert [(s.telugu, s.count) for s in suggestions] == [("పోతన", 2)]
    assert all(w.startswith("manifest.jsonl:") and int(w.split(":")[1]) > 2 for w in suggestions[0].evidence)
