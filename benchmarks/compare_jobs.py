"""compare --jobs: wall time of the same comparison run one run at a time and with several runs at once.

The demo's glyph-pretrained network to the digits at 10 labels per class, the twelve strategies of `demo --long`, 3 seeds,
10 epochs, each at its preset's learning rate, validated at phase ends (the demo's settings). The two settings run
alternately, `--rounds` times, each with an empty feature cache; the table gives each round's wall time and the
ratio. Offline; run it alone on a quiet machine:

    PYTHONPATH=src python benchmarks/compare_jobs.py [--jobs 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from transferkit import compare
from transferkit.api import load_model
from transferkit.demo import LABELS_PER_CLASS, LONG_STRATEGIES as STRATEGIES, TARGET, source_model
from transferkit.engine.feature_cache.feature_store import MEMORY_STORES

from machine import machine


def timed(backbone, jobs: int, folder: Path) -> tuple[float, dict]:
    os.environ["TRANSFERKIT_CACHE"] = str(folder / "cache")  # no feature store from an earlier round
    MEMORY_STORES.clear()
    started = time.perf_counter()
    result = compare(backbone, TARGET, STRATEGIES, out=folder / "cmp", seeds=3, epochs=10,
                     labels_per_class=LABELS_PER_CLASS, lr_factors=(1.0,), eval_every=0, show_test=True,
                     progress=False, jobs=jobs)
    return time.perf_counter() - started, {r["plan"]: r["test"]["mean"] for r in result.rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    backbone = load_model(str(source_model()))
    print("| round | jobs=1 | jobs=%d | ratio | same test accuracy per plan |" % args.jobs)
    print("|---:|---:|---:|---:|---|")
    for round_ in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            one, scores_one = timed(backbone, 1, Path(tmp) / "one")
            many, scores_many = timed(backbone, args.jobs, Path(tmp) / "many")
        same = "yes" if scores_one == scores_many else "no: " + ", ".join(
            f"{p} {scores_one[p]:.3f}/{scores_many[p]:.3f}" for p in scores_one if scores_one[p] != scores_many[p])
        print(f"| {round_} | {one:.1f} s | {many:.1f} s | {one / many:.2f} | {same} |", flush=True)


if __name__ == "__main__":
    main()
