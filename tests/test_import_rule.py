"""Imports run one way (docs/ARCHITECTURE.md): the import-linter contracts in pyproject.toml hold."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    tool = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(tool)], cwd=root, capture_output=True, text=True, env={"PYTHONPATH": str(root)})


def test_the_layers_hold_on_this_tree():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 broken" in result.stdout


def test_a_stage_importing_settings_breaks_the_rule(tmp_path):
    """The check is real: a copy of the package where a stage reaches up to settings fails it."""
    shutil.copytree(ROOT / "nishabdham", tmp_path / "nishabdham", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    stage = tmp_path / "nishabdham" / "pipeline" / "cues" / "qa.py"
    stage.write_text(
        stage.read_text(encoding="utf-8") + "\nfrom nishabdham.settings import Settings\n", encoding="utf-8"
    )
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "nishabdham.pipeline.cues.qa -> nishabdham.settings" in result.stdout
