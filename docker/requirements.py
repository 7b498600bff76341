"""Print the requirements of Nishabdham with the given extras, one a line, from pyproject.toml.

The image installs these in a layer of their own, before the source is copied, so that a change
to the code rebuilds only the last layers:  python docker/requirements.py queue,review pyproject.toml
"""

from __future__ import annotations

import sys
import tomllib


def requirements(pyproject: str, extras: list[str]) -> list[str]:
    with open(pyproject, "rb") as handle:
        project = tomllib.load(handle)["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    return list(dict.fromkeys(wanted))


if __name__ == "__main__":
    extras = [e for e in sys.argv[1].split(",") if e] if len(sys.argv) > 1 else []
    print("\n".join(requirements(sys.argv[2] if len(sys.argv) > 2 else "pyproject.toml", extras)))
