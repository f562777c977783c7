"""Every fine-tuning preset beside `linear-probe`, on real pretrained networks and real targets, at its defaults.

Networks: the ImageNet EfficientNet-Lite0 (offline package) and the demo's glyph-pretrained ResNet (step 1 done
here). Targets: scikit-learn's digits, a stratified Fashion-MNIST sample, and texture patches from scikit-image's
photographs. For each network x target x labels per class, every preset runs on the same splits (seed k draws
split k), at its own learning rate and batch-norm policy, for the same epochs, validated at phase ends (the last
epoch's weights are kept). A row is flagged when its mean test accuracy is more than 2 points below
`linear-probe`'s (`lp-ft`: below it at all). Runs unattended, offline:

    PYTHONPATH=src python benchmarks/recipes_real.py [--seeds 3] [--labels 10,100] [--networks lite0,glyph]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from transferkit import compare
from transferkit.api import load_model
from transferkit.demo import source_model
from transferkit.select.table import fmt_interval

from machine import machine
from real_targets import fashion_sample, texture_patches

PROBE = "linear-probe"
PRESETS = ["partial", "full", "lp-ft", "gradual", "layer-decay", "discriminative", "auto-rgn", "l2sp", "surgical",
           "bitfit", "norm-only", "lora", "keras-guide", "fastai"]
NETWORKS = ("lite0", "glyph")  # ImageNet EfficientNet-Lite0; the demo's glyph-pretrained ResNet (its step 1)
TARGETS = ("digits", "fashion", "textures")


def network(name: str, input_size: int):
    return load_model("timm:tf_efficientnet_lite0" if name == "lite0" else str(source_model()), input_size=input_size)


def target(name: str, folder: Path) -> str:
    if name == "fashion":
        return fashion_sample(folder / "fashion", train=3000, test=1000)
    if name == "textures":
        return texture_patches(folder / "textures")
    return name


def flag(plan: str, mean: float, probe: float) -> str:
    """Why a row is an exception, or ''."""
    if plan == "lp-ft" and mean < probe:
        return "below probe"
    return "below probe - 2" if plan != PROBE and mean < probe - 0.02 else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", default=",".join(NETWORKS))
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--labels", default="10,100", help="Labels per class, comma-separated.")
    parser.add_argument("--presets", default=",".join(PRESETS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--input-size", type=int, default=32)
    parser.add_argument("--out", type=Path, default=None, help="Keep the comparisons here (default: a temporary folder).")
    parser.add_argument("--quiet", action="store_true", help="No live tables or progress bars.")
    args = parser.parse_args()

    print(f"Machine: {machine()}", flush=True)
    plans = [PROBE] + args.presets.split(",")
    table = []
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        for net in args.networks.split(","):
            backbone = network(net, args.input_size)
            for name in args.targets.split(","):
                data = target(name, out / "targets")
                for k in (int(x) for x in args.labels.split(",")):
                    started = time.perf_counter()
                    result = compare(backbone, data, plans, out=out / f"{net}-{name}-k{k}", seeds=args.seeds,
                                     epochs=args.epochs, labels_per_class=k, lr_factors=(1.0,), eval_every=0,
                                     show_test=True, progress=not args.quiet, overwrite=True)
                    rows = {row["plan"]: row for row in result.rows}
                    probe = rows[PROBE]["test"]["mean"]
                    for plan in plans:
                        row = rows[plan]
                        table.append((net, name, k, plan, row, flag(plan, row["test"]["mean"], probe),
                                      row["test"]["mean"] - probe))
                    print(f"{net} -> {name}, {k} labels per class: {time.perf_counter() - started:.0f} s", flush=True)
    print()
    print(f"Every preset at its defaults, {args.seeds} seeds, {args.epochs} epochs, {args.input_size} px; "
          "test accuracy, mean [95% CI]; difference to linear-probe in points")
    print("| network | target | labels per class | plan | test accuracy | vs probe | exception |")
    print("|---|---|---:|---|---:|---:|---|")
    for net, name, k, plan, row, why, diff in table:
        versus = "" if plan == PROBE else f"{100 * diff:+.1f}"
        print(f"| {net} | {name} | {k} | {plan} | {fmt_interval(row['test'])} | {versus} | {why} |")
    exceptions = sum(1 for *_, why, _ in table if why)
    print(f"\n{exceptions} exceptions in {len(table)} rows")


if __name__ == "__main__":
    main()
