"""A comparison says as its runs finish: one line per finished run and, while runs go on, "k of n runs done"."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import transferkit.select.run_lines as run_lines
from transferkit.plans import Phase, Plan
from transferkit.select import Candidate, Runs

SRC = Path(__file__).resolve().parents[2] / "src"
TARGET = "synthetic:glyphs?classes=4&per_class=12&size=16"
RUN_LINE = re.compile(r"^([12]) of 2 runs done: (linear-probe|partial:k=1)@lr-x1 · seed 0: val accuracy "
                      r"\d+\.\d%, \d+\.\d s$")


@pytest.mark.integration
def test_a_piped_comparison_in_two_workers_prints_a_line_per_finished_run(tiny_model_dir, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(SRC), "TRANSFERKIT_PROGRESS": "1"}
    done = subprocess.run([sys.executable, "-m", "transferkit", "compare", "--model", str(tiny_model_dir), "--data",
                           TARGET, "--strategies", "linear-probe,partial:k=1", "--seeds", "1", "--epochs", "1",
                           "--lr-factors", "1", "--jobs", "2", "--out", "cmp"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = [RUN_LINE.match(line) for line in done.stderr.splitlines()]
    found = [m for m in lines if m]
    assert [m.group(1) for m in found] == ["1", "2"], done.stderr
    assert sorted(m.group(2) for m in found) == ["linear-probe", "partial:k=1"]


def _slow(candidate, seed, epochs, rung):
    time.sleep(1.5)
    return {"candidate": candidate.key, "seed": seed, "status": "ok", "val": 0.5, "seconds": 1.5, "rung": rung}


def test_workers_that_take_long_get_a_k_of_n_line_now_and_then(monkeypatch, caplog):
    monkeypatch.setattr(run_lines, "EVERY", 0.4)
    plan = Plan(phases=[Phase(name="probe", epochs=1, train=["head"])])
    jobs = [(Candidate(f"p{i}", f"p{i}", plan, 1.0), 0, 1, None) for i in range(3)]
    with caplog.at_level(logging.INFO, logger="transferkit"):
        entries = Runs(_slow, jobs=2).all(jobs, [])
    assert len(entries) == 3
    messages = [r.getMessage() for r in caplog.records]
    assert any(re.fullmatch(r"0 of 3 runs done; 2 running; \d s so far", m) for m in messages), messages
    finished = [m for m in messages if re.match(r"\d of 3 runs done: p\d", m)]
    assert [m.split()[0] for m in finished] == ["1", "2", "3"], messages
