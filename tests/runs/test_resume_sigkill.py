"""A real process killed with SIGKILL at three random moments of a two-phase plan, resumed each time, ends with
weights bit-identical to an uninterrupted run (CPU)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from support.killing import checkpoint_position, kill_when
from transferkit import adapt

SRC = Path(__file__).resolve().parents[2] / "src"
PLAN = """\
phases:
- {name: linear probe, epochs: 2, train: [head], lr: 0.01, weight_decay: 0.0001, standardize_features: true}
- {name: fine-tune all, epochs: 3, train: [all], lr: 0.001, augment: light}
"""
# (phase, epochs done) of each checkpoint, in the order they are written; the last one precedes the evaluation.
POSITIONS = [(0, 1), (1, 0), (1, 1), (1, 2), (2, 0)]


def position(checkpoint: Path) -> tuple[int, int] | None:
    where = checkpoint_position(checkpoint)
    return where[:2] if where is not None else None


def kill_at(command: list[str], env: dict, checkpoint: Path, target: tuple[int, int], delay: float) -> tuple[int, int]:
    """Start `command`, wait until its checkpoint reaches `target`, wait `delay` seconds more, SIGKILL it."""
    kill_when(command, env, lambda: (position(checkpoint) or (-1, -1)) >= target, delay)
    return position(checkpoint)


@pytest.mark.integration
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_killed_three_times_and_resumed_ends_bit_identical(tmp_path, tiny_model_dir):
    plan = tmp_path / "lp-then-full.yaml"
    plan.write_text(PLAN)
    reference = adapt(str(tiny_model_dir), "digits", str(plan), out=tmp_path / "reference", labels_per_class=5,
                      seed=7, device="cpu", progress=False)
    out = tmp_path / "killed"
    checkpoint = tmp_path / ".killed.partial" / "checkpoint.safetensors"
    command = [sys.executable, "-m", "transferkit", "adapt", "--model", str(tiny_model_dir), "--data", "digits",
               "--labels-per-class", "5", "--strategy", str(plan), "--seed", "7", "--device", "cpu", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": str(torch.get_num_threads()), "TRANSFERKIT_PROGRESS": "0"}

    rng = random.Random(6)  # seeded: which checkpoints the kills follow, and how long after
    targets = sorted(rng.sample(POSITIONS[:-1], 3))  # never the last: some training is always left to interrupt
    reached = []
    for i, target in enumerate(targets):
        reached.append(kill_at(command + (["--resume"] if i else []), env, checkpoint, target, rng.uniform(0, 0.05)))
        assert not out.exists() and checkpoint.is_file()
    done = subprocess.run(command + ["--resume"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    expected, found = load_file(str(tmp_path / "reference" / "model.safetensors")), load_file(str(out / "model.safetensors"))
    assert expected.keys() == found.keys()
    assert all(torch.equal(expected[k], found[k]) for k in expected)
    record = json.loads((out / "run.json").read_text())
    assert record["metrics"] == reference.metrics
    assert record["resumed"]["count"] == 3
    assert [(r["phase"], r["epochs_done"]) for r in record["resumed"]["from"]] == reached
    assert all(r >= t for r, t in zip(reached, targets))
    assert not checkpoint.parent.exists() and "checkpoint.safetensors" not in os.listdir(out)
