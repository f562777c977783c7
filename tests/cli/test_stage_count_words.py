"""A `partial:k=K` that asks for more stages than the backbone has: the error counts stages as the term does and
names what the user typed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from transferkit.plans import build_plan, plan_term

SRC = Path(__file__).resolve().parents[2] / "src"
TARGET = "synthetic:glyphs?classes=4&per_class=12&size=16"


@pytest.mark.integration
def test_too_many_stages_is_said_in_the_terms_count(tiny_model_dir, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-m", "transferkit", "adapt", "--model", str(tiny_model_dir), "--data",
                           TARGET, "--strategy", "partial:k=9", "--out", "run"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 2, done.stderr
    error = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "partial:k=9" in error[0] and "top:9" not in error[0], error[0]
    stages = ["stem", "stage1", "stage2", "stage3", "stage4", "head"]
    of = re.search(r"top 2 of (\d+) stages", plan_term(build_plan("partial:k=2"), stages)).group(1)
    assert f"has {of} stages above the stem" in error[0] and "1 to 4" in error[0], error[0]
    assert not (tmp_path / "run").exists()


def test_the_top_k_of_n_stages_is_every_stage_above_the_stem_at_most():
    stages = ["stem", "stage1", "stage2", "stage3", "stage4", "head"]
    (phase,) = build_plan("partial:k=4").resolve(stages)
    assert phase.trainable_stages == ["stage1", "stage2", "stage3", "stage4", "head"]
    assert plan_term(build_plan("partial:k=4"), stages) == "partial fine-tuning of the top 4 of 4 stages"
