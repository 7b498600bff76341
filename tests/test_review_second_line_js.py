"""Line 2 in the browser is the pipeline's line 2: the waveform editor shows a text fix's transliteration at
once (``wave_editor/src/second_line.js``), before Python applies the edit; both must write the same line."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess

import pytest

from nishabdham.pipeline.codeswitch import second_line
from nishabdham.pipeline.codeswitch.lm import CORPUS
from nishabdham.review_ui.views.wave import BUILD

WAVE = BUILD.parent
#: Lines the corpus has few or none of: English beside Telugu, punctuation at the edges, ZWNJ, digits,
#: a line break, Latin only, nothing, and the clusters the pipeline keeps apart with ":".
CASES = [
    "Bammera Potana రాసిన భాగవతం, చాలా famous!",
    "“శ్రీ రామ” — (కవిత్వం)...",
    "సాహిత్య‌ అకాడమీ",  # a zero-width non-joiner inside the word
    "1985లో ౧౯౮౫ సంవత్సరం",
    "మొదటి పాదం\nరెండవ పాదం",
    "only English here",
    "",
    "   ",
    "అద్హుతం పైఇంటి కఉపు",
    "ṟ ఱ ౘ ౙ ౠ ఌ ఀ ఁ ం ః ఽ",
    "don't-stop రా-మా",
]


def _node_second_lines(lines: list[str], tmp_path) -> list[str]:
    node, esbuild = shutil.which("node"), WAVE / "node_modules" / ".bin" / "esbuild"
    if node is None or not esbuild.exists():
        pytest.fail("node and the waveform editor's npm packages are needed: run `make waveform-editor`")
    entry = tmp_path / "second_lines.mjs"
    entry.write_text(
        f"import {{ secondLine }} from {json.dumps(str(WAVE / 'src' / 'second_line.js'))};\n"
        'import fs from "fs";\n'
        'const lines = JSON.parse(fs.readFileSync(0, "utf8"));\n'
        "process.stdout.write(JSON.stringify(lines.map(secondLine)));\n",
        encoding="utf-8",
    )
    bundle = tmp_path / "second_lines.cjs"
    subprocess.run(
        [str(esbuild), str(entry), "--bundle", "--platform=node", f"--outfile={bundle}", "--log-level=warning"],
        check=True,
        cwd=WAVE,
    )
    out = subprocess.run([node, str(bundle)], input=json.dumps(lines), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_browser_writes_the_pipelines_line_two_for_every_corpus_sentence(tmp_path):
    with gzip.open(CORPUS, "rt", encoding="utf-8") as corpus:
        lines = [line.rstrip("\n") for line in corpus] + CASES
    assert len(lines) > 19_000
    browser = _node_second_lines(lines, tmp_path)
    differ = [(line, second_line(line), js) for line, js in zip(lines, browser, strict=True) if second_line(line) != js]
    assert not differ, f"{len(differ)} of {len(lines)} lines differ, e.g. {differ[:3]}"
    assert browser[len(lines) - len(CASES)] == "Bammera Potana rāsina bhāgavataṁ, cālā famous!"
