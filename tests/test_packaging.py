"""`pip install .` puts one top-level package into site-packages: nishabdham."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_installs_only_the_nishabdham_package_with_its_data(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("nishabdham-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names}
    assert {t for t in top_level if not t.endswith(".dist-info")} == {"nishabdham"}
    for folder in ("app", "pipeline", "workers", "review_ui", "evaluation"):  # the folders the project is known by
        assert f"nishabdham/{folder}/__init__.py" in names
    assert "nishabdham/pipeline/data/glossary.toml" in names  # package data travels with it
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "nishabdham = nishabdham.app.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_no_generic_top_level_package_is_left_in_the_repository():
    """Nothing outside nishabdham/ (and the tests) could shadow or clash as `import app`, `import pipeline`."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages <= {"nishabdham", "tests"}
