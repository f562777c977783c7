"""compare --executor ray against --executor local: whole-comparison wall time of the demo's glyph comparison.

The demo's glyph-pretrained network to the digits at 10 labels per class, the twelve strategies of `demo --long`, 3 seeds,
10 epochs, each at its preset's learning rate, validated at phase ends (the demo's settings). Local: `--jobs 2`
(two forked workers, one thread each); Ray: a local cluster that the comparison starts and stops itself, one CPU and
one thread per run, two runs at a time. Both alternate, `--rounds` times, each with an empty feature cache; the wall
time counts everything the comparison does (for Ray: starting the cluster, its workers importing torch, stopping it).
Each finished round is appended to `--rows` at once, and rounds already there are skipped, so the benchmark can be
run in pieces. Offline; run it alone on a quiet machine:

    PYTHONPATH=src python benchmarks/compare_executors.py [--rounds 2] [--rows compare_executors.rows.json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from transferkit import compare
from transferkit.demo import LABELS_PER_CLASS, LONG_STRATEGIES as STRATEGIES, TARGET, source_model
from transferkit.engine.feature_cache.feature_store import MEMORY_STORES

from machine import machine

SETTINGS = {"local": {"executor": "local", "jobs": 2}, "ray": {"executor": "ray", "cpus_per_run": 1}}


def timed(model: Path, how: str, folder: Path) -> tuple[float, dict]:
    os.environ["TRANSFERKIT_CACHE"] = str(folder / "cache")  # no feature store from an earlier round
    MEMORY_STORES.clear()
    started = time.perf_counter()
    result = compare(str(model), TARGET, STRATEGIES, out=folder / "cmp", seeds=3, epochs=10,
                     labels_per_class=LABELS_PER_CLASS, lr_factors=(1.0,), eval_every=0, show_test=True,
                     progress=False, **SETTINGS[how])
    return time.perf_counter() - started, {r["plan"]: r["test"]["mean"] for r in result.rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rows", type=Path, default=Path("compare_executors.rows.json"))
    args = parser.parse_args()
    rows = json.loads(args.rows.read_text()) if args.rows.is_file() else []
    print(f"Machine: {machine()}", flush=True)
    model = source_model(progress=False)
    for round_ in range(len(rows) + 1, args.rounds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            # alternate which goes first, so neither always meets a machine warmed up by the other
            order = ("local", "ray") if round_ % 2 else ("ray", "local")
            seconds, scores = {}, {}
            for how in order:
                seconds[how], scores[how] = timed(model, how, Path(tmp) / how)
        rows.append({"round": round_, "first": order[0], "local": round(seconds["local"], 1),
                     "ray": round(seconds["ray"], 1), "same_test_accuracy": scores["local"] == scores["ray"]})
        args.rows.write_text(json.dumps(rows, indent=1) + "\n")
    print("| round | first | local, --jobs 2 | ray, 2 tasks at a time | ray / local | same test accuracy per plan |")
    print("|---:|---|---:|---:|---:|---|")
    for row in rows:
        print(f"| {row['round']} | {row['first']} | {row['local']:.1f} s | {row['ray']:.1f} s | "
              f"{row['ray'] / row['local']:.2f} | {'yes' if row['same_test_accuracy'] else 'no'} |", flush=True)


if __name__ == "__main__":
    main()
