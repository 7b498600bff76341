"""The README and docs/: every relative link resolves, the README stays a user's guide, its commands are real.

Checks every relative link (and its ``#anchor``) in README.md and docs/*.md, that every doc is
reachable from the README, that the README has at most 450 lines and opens with ``make demo`` and
``make test``, that every ``make`` target it names exists, and that every ``nishabdham`` command in
its code blocks is accepted by the real command-line parser.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from nishabdham.app.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
MAX_README_LINES = 450

LINK = re.compile(r"(?<!\\)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```")


def prose(text: str) -> str:
    """The text outside fenced code blocks (a link in a code block is not a link)."""
    kept, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            kept.append(re.sub(r"`[^`]*`", "", line))
    return "\n".join(kept)


def code_blocks(text: str) -> list[str]:
    """The lines of fenced code blocks, backslash continuations joined."""
    lines, fenced, pending = [], False, ""
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            lines.append(pending + line)
            pending = ""
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{1,6}\s+(.*)", line)):
            found.add(slug(m.group(1)))
    return found


def relative_links(page: Path) -> list[str]:
    return [t for t in LINK.findall(prose(page.read_text(encoding="utf-8"))) if not re.match(r"[a-z]+:", t)]


def test_the_pages_are_there():
    assert README.is_file()
    names = {p.name for p in DOCS}
    for topic in (
        "ARCHITECTURE",
        "PIPELINE",
        "CODESWITCH",
        "KNOWN_TEXT",
        "EVALUATION",
        "QUEUE",
        "SPEAKERS",
        "MEASUREMENTS",
    ):
        assert f"{topic}.md" in names
    untitled = [p.name for p in PAGES if not p.read_text(encoding="utf-8").startswith("# ")]
    assert not untitled, f"pages without a title: {untitled}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page: Path):
    broken = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_every_doc_is_linked_from_the_readme():
    linked = {(ROOT / t.partition("#")[0]).resolve() for t in relative_links(README)}
    missing = [p.name for p in DOCS if p.resolve() not in linked]
    assert not missing, f"docs not linked from README.md: {missing}"


def test_readme_is_short_and_opens_with_the_two_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines (at most {MAX_README_LINES})"
    first_block = code_blocks("\n".join(lines[: lines.index("```", lines.index("```") + 1) + 1]))
    commands = [line.split("#")[0].strip() for line in first_block]
    assert commands == ["make demo", "make test"], commands
    assert lines[0].startswith("# ") and all(not line.startswith("## ") for line in lines[: lines.index("```")])


def makefile_targets() -> dict[str, list[str]]:
    targets = {}
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        if m := re.match(r"([A-Za-z][\w-]*)\s*:(?!=)\s*(.*)", line):
            targets[m.group(1)] = m.group(2).split()
    return targets


def test_the_two_commands_do_all_set_up():
    targets = makefile_targets()
    assert "setup" in targets["demo"] and "setup" in targets["test"]
    assert {"system-packages", "venv", "model"} <= set(targets["setup"])
    assert "diarization-venv" in targets["test"]


def test_every_make_target_named_exists():
    targets = makefile_targets()
    named = set(re.findall(r"(?<![\w-])make ([a-z][\w-]*)", README.read_text(encoding="utf-8")))
    assert named, "the README names no make target"
    assert not named - set(targets), f"not in the Makefile: {sorted(named - set(targets))}"


def readme_commands() -> list[list[str]]:
    found = []
    for line in code_blocks(README.read_text(encoding="utf-8")):
        m = re.search(r"(?:^|\s|bin/)nishabdham (?=[a-z-])(.*)", line)
        if m:
            words = shlex.split(m.group(1), comments=True)
            cut = next((i for i, w in enumerate(words) if w in {"&", "&&", "|", ";"}), len(words))
            found.append(words[:cut])
    return found


def test_readme_has_commands_to_check():
    subcommands = {words[0] for words in readme_commands()}
    assert {"transcribe", "batch", "worker", "jobs", "review", "eval"} <= subcommands


@pytest.mark.parametrize("words", readme_commands(), ids=lambda w: " ".join(w)[:60])
def test_readme_commands_parse_with_the_real_cli(words: list[str]):
    try:
        args = build_parser().parse_args(words)
    except SystemExit as exc:  # argparse exits on an unknown command or option
        pytest.fail(f"`nishabdham {' '.join(words)}` is refused by the command line (exit {exc.code})")
    assert callable(args.func)


#: Variables the README shows as mistakes: each must be refused, as it says.
REFUSED = {"NISHABDHAM_LANGAUGE", "NISHABDHAM_DECODE__LANGUAGE", "NISHABDHAM_DECODE__VAD"}
ASSIGNMENT = re.compile(r"(NISHABDHAM_[A-Z0-9_]*[A-Z0-9])=('[^']*'|[^\s`]+)")


def readme_variables() -> tuple[set[str], dict[str, str]]:
    text = README.read_text(encoding="utf-8")
    names = set(re.findall(r"NISHABDHAM_[A-Z0-9_]*[A-Z0-9]", text))
    values = {name: shlex.split(value)[0] for name, value in ASSIGNMENT.findall(text)}
    return names, values


def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.upper().startswith("NISHABDHAM_"):
            monkeypatch.delenv(key)


@pytest.mark.parametrize("name", sorted(readme_variables()[0]))
def test_every_variable_named_is_a_setting(name: str, monkeypatch: pytest.MonkeyPatch):
    from nishabdham.errors import ConfigError
    from nishabdham.settings import check_environment, load_settings

    clean_environment(monkeypatch)
    if name in REFUSED:
        monkeypatch.setenv(name, "1")
        with pytest.raises(ConfigError, match=name.removeprefix("NISHABDHAM_").split("__")[-1].lower() + "|" + name):
            load_settings()
    else:
        check_environment({name: "1"})


@pytest.mark.parametrize("name, value", sorted(readme_variables()[1].items()))
def test_every_setting_shown_with_a_value_loads(name: str, value: str, monkeypatch: pytest.MonkeyPatch):
    from nishabdham.settings import load_settings

    clean_environment(monkeypatch)
    monkeypatch.setenv(name, value)
    settings = load_settings()
    field = name.removeprefix("NISHABDHAM_").lower().split("__")[0]
    assert field in type(settings).model_fields or name in {"NISHABDHAM_REVIEW_PASSWORD"}
