"""Output outside a terminal (piped, redirected to a log): plain progress lines and tables that are never cut."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

import transferkit.console as console_module
from transferkit import adapt
from transferkit.run_progress import RunProgress

SRC = Path(__file__).resolve().parents[2] / "src"
TARGET = "synthetic:glyphs?classes=4&per_class=12&size=16"
EPOCH_LINE = re.compile(r"^(linear-probe|partial:k=1) · [a-z 1-9-]+ · epoch [12]/[12]: loss \d+\.\d{3}, "
                        r"train accuracy \d+\.\d%, val accuracy \d+\.\d%, \d+\.\d s$")


def piped(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The command line in a real process whose stdout and stderr are pipes, as in `transferkit ... | cat`."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "TRANSFERKIT_PROGRESS": "1"}
    env.pop("COLUMNS", None)
    return subprocess.run([sys.executable, "-m", "transferkit", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=600)


@pytest.mark.integration
def test_a_piped_comparison_prints_a_line_per_epoch_and_whole_tables(tiny_model_dir, tmp_path):
    done = piped("compare", "--model", str(tiny_model_dir), "--data", TARGET, "--strategies",
                 "linear-probe,partial:k=1", "--seeds", "1", "--epochs", "2", "--lr-factors", "1", "--out", "cmp",
                 cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    epochs = [line for line in done.stderr.splitlines() if EPOCH_LINE.match(line)]
    # partial:k=1 trains 2 epochs; linear-probe's head is fitted at once by L-BFGS (one line, 'epoch 1/1')
    assert len(epochs) == 3 and sum("linear-probe · linear probe · epoch 1/1" in line for line in epochs) == 1, \
        done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == 2, done.stdout  # one line per plan: no cell wrapped
    assert "│ linear-probe " in rows[0] + rows[1] and "│ partial:k=1 " in rows[0] + rows[1]
    assert "…" not in done.stdout and "val accuracy [95% CI]" in done.stdout


def test_piped_help_is_not_cut():
    done = piped("adapt", "--help", cwd=SRC)
    assert done.returncode == 0
    for option in ("--labels-per-class", "--cache-views", "--weights-map", "--eval-every"):
        assert option in done.stdout
    assert "…" not in done.stdout


def test_batches_inside_a_long_epoch_outside_a_terminal(tiny_model_dir, monkeypatch):
    buffer = io.StringIO()
    monkeypatch.setattr(console_module, "console", Console(file=buffer, width=200))
    monkeypatch.setenv("TRANSFERKIT_PROGRESS", "1")
    monkeypatch.setattr(RunProgress, "line_every", 0.0)  # every epoch counts as long
    adapt(str(tiny_model_dir), TARGET, "full:batch_size=8", epochs=1)
    text = buffer.getvalue()
    assert re.search(r"full:batch_size=8 · fine-tune all · epoch 1/1: batch 1/\d+, \d+ s into the epoch", text), text
    assert re.search(r"full:batch_size=8 · fine-tune all · epoch 1/1: loss .*, \d+\.\d s$", text, re.MULTILINE), text


def test_batches_inside_a_long_epoch_in_a_terminal(monkeypatch):
    buffer = io.StringIO()
    monkeypatch.setattr(console_module, "console", Console(file=buffer, width=120, force_terminal=True, color_system=None))
    monkeypatch.setenv("TRANSFERKIT_PROGRESS", "1")
    monkeypatch.setattr(RunProgress, "batches_after", 0.0)
    with RunProgress("full") as progress:
        progress.phase("fine-tune all", epochs=2)
        progress.epoch_started(0)
        progress.batch(3, 7)
        progress.bars.refresh()
        assert re.search(r"batches .* 3/7", buffer.getvalue()), buffer.getvalue()
