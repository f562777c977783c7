"""Successive halving against exhaustive comparison on the demo's target, over the same candidates.

Candidates: the demo's strategies x the learning-rate factors (default 5 x 3 = 15). Both searches use the
same seeds and the same full epoch budget; runs are seeded, so a candidate trained for the full budget at
a seed gives the same result in both searches. Compute is counted in training images processed (epochs x
training images, summed over runs) and optimizer steps, which do not depend on machine load; wall time is
printed too. Runs unattended:

    PYTHONPATH=src python benchmarks/halving_vs_exhaustive.py [--seeds 3] [--epochs 10] [--out DIR]

The demo's source model is pretrained on first use (minutes) and cached in the user's cache directory.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from transferkit import compare
from transferkit.api import load_model
from transferkit.demo import LABELS_PER_CLASS, LONG_STRATEGIES as STRATEGIES, TARGET, source_model
from transferkit.select import DEFAULT_LR_FACTORS
from transferkit.select.table import fmt_interval

from machine import machine


def add_comparison_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every comparison benchmark takes."""
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", type=Path, default=None, help="Keep the comparisons here (default: a temporary folder).")
    parser.add_argument("--quiet", action="store_true", help="No live tables or progress bars.")


def run(search: str, args, backbone, out: Path) -> dict:
    started = time.perf_counter()
    result = compare(backbone, TARGET, args.strategies, out=out / search, seeds=args.seeds, epochs=args.epochs,
                     search=search, lr_factors=DEFAULT_LR_FACTORS, labels_per_class=LABELS_PER_CLASS,
                     device=args.device, progress=not args.quiet)
    board = result.leaderboard
    return {"search": search, "seconds": time.perf_counter() - started, "winner": result.winner,
            "compute": board["compute"], "candidates": len(board["candidates"]), "rungs": board["search"]["rungs"],
            "dir": str(result.dir)}


def candidate_val(exhaustive_dir: str, plan: str, factor: float) -> float:
    """Mean validation accuracy over seeds of a candidate at the full budget, read from the exhaustive runs."""
    board = json.loads((Path(exhaustive_dir) / "leaderboard.json").read_text())
    vals = [r["val"] for r in board["runs"] if r["plan"] == plan and r["lr_factor"] == factor and r["status"] == "ok"]
    return sum(vals) / len(vals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_comparison_arguments(parser)
    args = parser.parse_args()

    print(f"Machine: {machine()}", flush=True)
    backbone = load_model(str(source_model(progress=not args.quiet)))
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        full = run("exhaustive", args, backbone, out)
        halved = run("halving", args, backbone, out)
        rows = [full, halved]
        best_val = full["winner"]["val"]["mean"]
        halving_winner = halved["winner"]
        # the halving winner's accuracy at the full budget, as measured by the exhaustive search's own runs
        val_in_full = candidate_val(full["dir"], halving_winner["plan"], halving_winner["lr_factor"])

    print()
    print(f"{TARGET}, {LABELS_PER_CLASS} labels per class, {full['candidates']} candidates "
          f"({args.strategies} x lr factors {', '.join(f'{f:.3g}' for f in DEFAULT_LR_FACTORS)}), "
          f"{args.seeds} seeds, {args.epochs} epochs")
    header = ("| search | runs | training images | steps | compute vs exhaustive | wall time (s) | winner | "
              "winner val accuracy [95% CI] | vs exhaustive winner (points) |")
    print(header)
    print("|" + "---|" * 9)
    for row in rows:
        c, w = row["compute"], row["winner"]
        ratio = c["train_images"] / full["compute"]["train_images"]
        diff = (w["val"]["mean"] - best_val) * 100
        print(f"| {row['search']} | {c['runs']} | {c['train_images']:,} | {c['steps']:,} | {ratio:.1%} | "
              f"{row['seconds']:.0f} | {w['plan']} @ x{w['lr_factor']:.3g} | {fmt_interval(w['val'])} | {diff:+.2f} |")
    rungs = ", ".join(f"{r['candidates']} x {r['epochs']} ep" for r in halved["rungs"])
    print(f"\nHalving rungs (candidates x epochs, each at {args.seeds} seeds): {rungs}")
    print(f"Halving winner's validation accuracy in the exhaustive runs: {val_in_full:.2%} "
          f"(exhaustive winner {best_val:.2%}; difference {(val_in_full - best_val) * 100:+.2f} points)")
    ok_acc = abs(halving_winner["val"]["mean"] - best_val) <= 0.01
    ok_cost = halved["compute"]["train_images"] <= 0.4 * full["compute"]["train_images"]
    print(f"Within 1 point: {'yes' if ok_acc else 'NO'}; at most 40% of the compute: {'yes' if ok_cost else 'NO'}")


if __name__ == "__main__":
    main()
