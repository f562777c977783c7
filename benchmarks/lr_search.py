"""The learning-rate range test against the factor grid on the demo's target, at the same compute.

`grid`: every plan at its preset learning rates times 1/3, 1 and 3, the factor chosen on validation (the selection
part). `range`: one learning-rate range test per plan (100 steps on training images, steepest descent) and one factor
per plan; it runs at the grid's epochs (a third of the grid's training) and at three times them (the grid's training,
plus the range tests). Compute is counted in training images processed (range tests included). For each search: the
winner, its validation accuracy on the selection part, on the holdout part (which chose nothing) and on test.

    PYTHONPATH=src python benchmarks/lr_search.py [--seeds 3] [--epochs 10] [--out DIR]
    PYTHONPATH=src python benchmarks/lr_search.py --quick     # a tiny check that the script runs (seconds)

The demo's source model is pretrained on first use (minutes) and cached; --quick pretrains a tiny one instead.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from transferkit import compare, pretrain
from transferkit.api import load_model
from transferkit.demo import LABELS_PER_CLASS, TARGET, source_model
from transferkit.select import DEFAULT_LR_FACTORS
from transferkit.select.table import fmt_interval

from halving_vs_exhaustive import add_comparison_arguments, machine  # (benchmarks/ is on the path when run)

QUICK_MODEL = ("synthetic:glyphs?classes=12&per_class=40&size=16", "timm:resnet10t?channels=16,32,48,64&stem_width=16")


def run(name: str, args, backbone, out: Path, **settings) -> dict:
    started = time.perf_counter()
    result = compare(backbone, TARGET, args.strategies, out=out / name, seeds=args.seeds,
                     labels_per_class=LABELS_PER_CLASS, device=args.device, progress=not args.quiet, **settings)
    board = result.leaderboard
    tests = board["lr_search"].get("train_images", 0)
    return {"name": name, "seconds": time.perf_counter() - started, "winner": result.winner,
            "train_images": board["compute"]["train_images"] + tests, "range_images": tests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_comparison_arguments(parser)
    parser.add_argument("--quick", action="store_true", help="One plan, one seed, one epoch, a tiny source model.")
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.epochs, args.strategies, args.quiet = 1, 1, "linear-probe", True

    print(f"Machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        if args.quick:
            model = pretrain(*QUICK_MODEL, out=out / "tiny-source", epochs=1, input_size=16, progress=False)
        else:
            model = source_model(progress=not args.quiet)
        backbone = load_model(str(model))
        rows = [run("grid", args, backbone, out, epochs=args.epochs, lr_factors=DEFAULT_LR_FACTORS),
                run("range", args, backbone, out, epochs=args.epochs, lr_search="range"),
                run("range, 3x epochs", args, backbone, out, epochs=3 * args.epochs, lr_search="range")]

    grid = rows[0]
    print(f"\n{TARGET}, {LABELS_PER_CLASS} labels per class, plans {args.strategies}, {args.seeds} seeds, "
          f"{args.epochs} epochs (grid factors {', '.join(f'{f:.3g}' for f in DEFAULT_LR_FACTORS)})")
    print("| search | training images (range tests) | compute vs grid | wall time (s) | winner | "
          "val accuracy, selection part [95% CI] | holdout part (chose nothing) | test |")
    print("|" + "---|" * 8)
    for row in rows:
        w = row["winner"]
        print(f"| {row['name']} | {row['train_images']:,} ({row['range_images']:,}) | "
              f"{row['train_images'] / grid['train_images']:.0%} | {row['seconds']:.0f} | "
              f"{w['plan']} @ x{w['lr_factor']:.3g} | {fmt_interval(w['val'])} | {fmt_interval(w['holdout'])} | "
              f"{fmt_interval(w['test'])} |")


if __name__ == "__main__":
    main()
