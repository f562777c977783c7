"""A comparison run as a user types it (a subprocess of the real command line), killed midway and resumed, and what
of its leaderboard must not depend on how it was run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

from support.killing import kill_when
from support.tiny import TINY_TARGET

SRC = Path(__file__).resolve().parents[2] / "src"


def compare_command(model_dir, out, *extra: str) -> list[str]:
    """A comparison of 2 plans x 2 seeds (4 runs of 1 epoch) on the tiny glyph target, as a user types it."""
    return [sys.executable, "-m", "transferkit", "compare", "--model", str(model_dir), "--data", TINY_TARGET,
            "--strategies", "linear-probe,partial:k=1", "--seeds", "2", "--epochs", "1", "--lr-factors", "1",
            "--labels-per-class", "4", "--device", "cpu", "--out", str(out), *extra]


def environment(threads: int | None = None) -> dict[str, str]:
    """This process's environment with the source tree first, `threads` torch threads (default: as here), quiet."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
            "OMP_NUM_THREADS": str(threads or torch.get_num_threads()), "TRANSFERKIT_PROGRESS": "0"}


def finished_runs(folder: Path) -> dict[str, float]:
    """run.json of every finished run under `folder`, by run directory, with the time it was written (not those of
    run directories still being written or checkpointing, in hidden folders)."""
    found = {}
    for top, dirs, files in os.walk(folder / "runs"):  # (folders that vanish meanwhile are passed over)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if "run.json" in files:
            try:
                found[str(Path(top).relative_to(folder))] = (Path(top) / "run.json").stat().st_mtime_ns
            except FileNotFoundError:
                continue
    return found


def leaderboard(out: Path) -> tuple:
    """What must not depend on interruptions: the winner, each plan's mean, and each run's metrics from run.json."""
    doc = json.loads((out / "leaderboard.json").read_text())
    runs = [(r["dir"], r["seed"], json.loads((out / r["dir"] / "run.json").read_text())["metrics"])
            for r in doc["runs"]]
    return doc["winner"]["plan"], [(row["plan"], row["val"]["mean"]) for row in doc["rows"]], runs, \
        sorted(str(p.relative_to(out)) for p in out.glob("runs/**/model.safetensors"))


def run(command: list[str], threads: int | None = None) -> subprocess.CompletedProcess:
    """Run the command to its end (it must succeed)."""
    done = subprocess.run(command, env=environment(threads), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def killed_then_resumed(model_dir, out: Path, *extra: str) -> tuple[dict[str, float], subprocess.CompletedProcess]:
    """Kill the comparison once 2 of its 4 runs are finished; return those runs and the resumed comparison."""
    comparing = out.parent / f".{out.name}.comparing"
    kill_when(compare_command(model_dir, out, *extra), environment(), lambda: len(finished_runs(comparing)) >= 2)
    assert not out.exists()
    before = finished_runs(comparing)
    assert 2 <= len(before) < 4
    return before, run(compare_command(model_dir, out, *extra, "--resume"))


def error_without(module: str, args: list[str]) -> str:
    """Run `transferkit ARGS` in a Python where `module` cannot be imported; it must fail with one line (exit code 2,
    no traceback): return that line."""
    code = f"import sys; sys.modules[{module!r}] = None\nfrom transferkit.cli import app\napp({args!r})"
    done = subprocess.run([sys.executable, "-c", code], env=environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.stderr.strip().splitlines()[-1]
