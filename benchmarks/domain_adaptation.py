"""Unsupervised domain adaptation on shifted synthetic glyphs: source-only vs AdaBN, Deep CORAL, DANN and DAN-MMD.

Usage:  python benchmarks/domain_adaptation.py [--seeds 0,1,2] [--epochs 10] [--threads 2]

Step 1 (once): a small ResNet (resnet10t, channels 16/32/64/96) is pretrained with `transferkit.pretrain` on
synthetic:glyphs with 40 classes at 24x24 pixels. Step 2 (every cell): `transferkit.adapt` with the labelled
source S (10 glyph classes, 40 images each), the unlabelled target images U (another sample of the shifted set)
and the labelled target T (the shifted set, used only for the test accuracy). No target label is used for training
or model selection: each run keeps its last epoch. Each cell is the mean test accuracy on T over the seeds (the seed
sets the source split, the head's initialization, the critic and the batch order; the pretrained model is the same).

Baselines: `source-only:k=0` trains the head only, as `adabn` does (which adds batch-norm statistics per domain);
`source-only` (k=1) trains the top stage and the head, as `coral`, `dann` and `mmd` do (which add batch norm per
domain and their alignment loss).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

ARCH = "timm:resnet10t?channels=16,32,64,96&stem_width=16"
PRETRAIN = "synthetic:glyphs?classes=40&per_class=60&size=24"
SOURCE = "synthetic:glyphs?classes=10&per_class=40&size=24"
SHIFTS = {  # column -> shift options (add "none (reference)": "" for the unshifted target)
    "contrast (input)": "shift=contrast&severity=3",
    "noise (input)": "shift=noise&severity=3",
    "sub-population (feature)": "shift=subpopulation&severity=3",
}
METHODS = ["source-only:k=0", "adabn", "source-only", "coral", "dann", "mmd"]
BASELINE = {"adabn": "source-only:k=0", "coral": "source-only", "dann": "source-only", "mmd": "source-only"}


def run_cell(model: str, method: str, shift: str, seed: int, epochs: int) -> float:
    from transferkit import adapt

    base = f"{SOURCE}&{shift}" if shift else SOURCE
    target = base + ("" if shift else "&sample=1")  # shifted sets are another sample than the source already
    unlabeled = None if method.startswith("source-only") else f"{base}&sample=2"
    run = adapt(model, target, method, source=SOURCE, unlabeled=unlabeled, epochs=epochs, seed=seed,
                progress=False)
    return run.test_accuracy


def table(results: dict, seeds: list[int]) -> str:
    columns = list(SHIFTS)
    lines = ["| method | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for method in METHODS:
        cells = []
        for column in columns:
            accs = results[method, column]
            cell = f"{100 * statistics.mean(accs):.1f} ± {100 * statistics.pstdev(accs):.1f}"
            base = BASELINE.get(method)
            if base is not None and not column.startswith("none"):
                delta = 100 * (statistics.mean(accs) - statistics.mean(results[base, column]))
                cell += f" ({delta:+.1f})"
            cells.append(cell)
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"Test accuracy on the labelled target (%), mean ± std over seeds {seeds}; in brackets the "
                 "difference to the method's source-only baseline.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch

    from transferkit import pretrain

    torch.set_num_threads(args.threads)
    seeds = [int(s) for s in args.seeds.split(",")]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        model = str(pretrain(PRETRAIN, ARCH, out=Path(tmp) / "source-model", epochs=5, input_size=24,
                             batch_size=64, progress=False))
        results = {}
        for column, shift in SHIFTS.items():
            for method in METHODS:
                results[method, column] = [run_cell(model, method, shift, seed, args.epochs) for seed in seeds]
                print(f"{column:26s} {method:16s} " + " ".join(f"{a:.3f}" for a in results[method, column]),
                      flush=True)
    print()
    print(table(results, seeds))
    print()
    print(f"{len(SHIFTS) * len(METHODS) * len(seeds)} runs in {time.perf_counter() - started:.0f} s on "
          f"{platform.processor() or platform.machine()}, {args.threads} threads, torch {torch.__version__}.")


if __name__ == "__main__":
    main()
