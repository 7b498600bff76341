"""The regression guard: the dev set, scored with the real model, against the committed baseline.

This is what makes `make test` (and so CI) fail when a change makes CER or WER
on the dev set worse than eval/baseline-dev.json by more than the tolerance
in nishabdham/evaluation/compare.py. Regenerate the baseline with
`make eval-dev-baseline`, only together with the change that explains it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nishabdham.evaluation.compare import TOLERANCE
from nishabdham.evaluation.devset import BASELINE, REPRODUCIBLE_KERNELS
from nishabdham.evaluation.evaluate import load_run

pytestmark = pytest.mark.model


def test_dev_set_is_no_worse_than_the_baseline(dev_data, artifacts):
    """In a process of its own: the dev set is scored with the same CPU kernels on every machine
    (devset.REPRODUCIBLE_KERNELS), set before CTranslate2 loads, as the baseline was."""
    out = artifacts / "eval-dev.json"
    command = ["eval", "--dev", str(dev_data), "--baseline", str(BASELINE), "--json", str(out), "--no-history"]
    env = {k: v for k, v in os.environ.items() if k not in REPRODUCIBLE_KERNELS}
    done = subprocess.run(
        [sys.executable, "-m", "nishabdham", "-v", *command], capture_output=True, text=True, env=env, timeout=1800
    )
    assert done.returncode == 0, f"regression against {BASELINE} (tolerance {TOLERANCE}):\n{done.stderr}\n{done.stdout}"
    assert "same CPU kernels on every machine" in done.stderr
    assert "no regression against the baseline" in done.stdout
    run, baseline = load_run(out), load_run(BASELINE)
    assert run.n == baseline.n == 16 and run.problems == []
    assert run.evalset == baseline.evalset, "the dev set changed: regenerate the baseline (make eval-dev-baseline)"
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {"wer", "cer", "telugu_script_share", "n", "rows", "by_lang", "by_category"} <= set(data)
    jfk = next(r for r in data["rows"] if r["id"] == "en_jfk/jfk.flac")
    assert jfk["wer"] <= 0.1 and jfk["alignment"][0]["op"] == "equal"
