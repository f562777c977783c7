"""Start-up time of the command line: how long a command takes to answer `--help`, refuse a bad option, or describe
a run, each in a fresh process (what a user waits for).

Usage:  python benchmarks/startup_times.py [--rounds 5] [--run RUN_DIR] [--rows rows.jsonl]

Every round runs every command once, in the same order, so that a change in the machine's load hits all of them
alike (alternated, not one command five times in a row). Without `--run`, a run directory is made first (a tiny
network pretrained here for one epoch, then a linear probe for one epoch) in a temporary folder. The table shows the
median and the slowest wall-clock seconds per command and the target: 1.5 s for `--help` and an error, 3 s for
`describe RUN`. `--rows` appends one JSON line per measurement (a resumable record).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "benchmarks")]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TRANSFERKIT_PROGRESS": "0"}

TARGET = {"help": 1.5, "error": 1.5, "describe": 3.0}


def commands(run: str) -> list[tuple[str, list[str], str]]:
    """(label, arguments, kind) of each measured command line."""
    return [
        ("transferkit --help", ["--help"], "help"),
        ("adapt --help", ["adapt", "--help"], "help"),
        ("compare --help", ["compare", "--help"], "help"),
        ("diagnose --help", ["diagnose", "--help"], "help"),
        ("predict --help", ["predict", "--help"], "help"),
        ("adapt --no-such-option", ["adapt", "--no-such-option"], "error"),
        ("adapt --epochs 0 (bad value)", ["adapt", "--model", "m", "--data", "d", "--out", "o", "--epochs", "0"],
         "error"),
        ("compare --seeds 0 (bad value)", ["compare", "--model", "m", "--data", "d", "--out", "o", "--seeds", "0"],
         "error"),
        ("describe RUN", ["describe", run], "describe"),
        ("describe lp-ft", ["describe", "lp-ft"], "describe"),
    ]


def make_run(folder: Path) -> Path:
    """A run directory: a tiny network pretrained for one epoch, then a one-epoch linear probe."""
    code = ("import transferkit as tk\n"
            f"m = tk.pretrain('synthetic:glyphs?classes=4&per_class=12&size=16', "
            f"'timm:resnet10t?channels=16,32,48,64&stem_width=16', out={str(folder / 'model')!r}, epochs=1, "
            "input_size=16, progress=False)\n"
            f"tk.adapt(str(m), 'synthetic:glyphs?classes=4&per_class=12&size=16&seed=1', 'linear-probe', "
            f"out={str(folder / 'run')!r}, epochs=1, progress=False)\n")
    subprocess.run([sys.executable, "-c", code], check=True, env=ENV, capture_output=True)
    return folder / "run"


def timed(arguments: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "transferkit", *arguments], env=ENV, capture_output=True)
    return time.perf_counter() - started, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--run", help="a run directory to describe (default: one made here)")
    parser.add_argument("--rows", help="append one JSON line per measurement to this file")
    args = parser.parse_args()

    from machine import machine

    print(machine())
    run = Path(args.run) if args.run else make_run(Path(tempfile.mkdtemp(prefix="startup-")))
    measured = commands(str(run))
    times: dict[str, list[float]] = {label: [] for label, _, _ in measured}
    for round_ in range(args.rounds):
        for label, arguments, kind in measured:
            seconds, code = timed(arguments)
            times[label].append(seconds)
            if args.rows:
                with open(args.rows, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"command": label, "round": round_, "seconds": round(seconds, 3),
                                         "exit": code}) + "\n")
    print(f"\n{args.rounds} rounds, each command once per round, alternated; wall-clock seconds of a fresh process\n")
    print("| command | kind | median s | slowest s | target s | within |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for label, _, kind in measured:
        median, slowest = statistics.median(times[label]), max(times[label])
        print(f"| `{label}` | {kind} | {median:.2f} | {slowest:.2f} | {TARGET[kind]:g} | "
              f"{'yes' if slowest < TARGET[kind] else 'no'} |")


if __name__ == "__main__":
    main()
