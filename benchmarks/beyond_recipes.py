"""Weight averaging (EMA, WiSE-FT, greedy soups), test-time views, semi-supervised fine-tuning, and batch norm under an
input-level shift, on a real network and a real target.

Network: the demo's glyph-pretrained ResNet (step 1 done here). Target: scikit-learn's handwritten digits at 10 labels
per class; seed k draws split k. The shifted target is the inverted copy of each seed's test images (255 - x, the
input-level shift `diagnose` makes). Sections, each resumable (one JSON row per finished unit in --rows; a unit already
there is skipped, so the script can be run in pieces):

- averaging: one comparison of full, full with EMA, lp-ft, lp-ft with EMA and wise-ft (alpha on validation) over
  --seeds seeds and learning-rate factors 0.5, 1, 2, with `--soup`: test accuracy of each plan's chosen rate, of the
  greedy soup and of the winner, in distribution and on the inverted test images, and with test-time crop views;
- semi: full at 10 and at 40 labels per class, fixmatch and pseudo-label at 10 labels per class with the digits as the
  unlabelled pool (label-free, and transductive: the pool holds the test images too), each seed;
- shift: linear-probe, surgical:stages=stem with batch norm frozen / re-estimated in the stem only (its default) /
  re-estimated everywhere (adapt) / train, and full, trained on the inverted digits (train, validation and test
  inverted), and surgical's variants on the plain digits.

    PYTHONPATH=src python benchmarks/beyond_recipes.py [--sections averaging,semi,shift]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch

from transferkit import adapt, compare, load
from transferkit.api import load_model, load_target
from transferkit.data.unlabeled import load_unlabeled
from transferkit.demo import source_model
from transferkit.use import TestViews

AVERAGING = ["full", "full:ema=0.99", "lp-ft", "lp-ft:ema=0.99", "wise-ft"]
SEMI = {"full k=10": ("full", 10, False), "full k=40": ("full", 40, False),
        "fixmatch k=10": ("fixmatch", 10, True), "pseudo-label k=10": ("pseudo-label", 10, True)}
SHIFT = {"linear-probe": "linear-probe", "surgical stem, bn frozen": "surgical:stages=stem,bn=frozen",
         "surgical stem, stem bn adapt (default)": "surgical:stages=stem",
         "surgical stem, bn adapt": "surgical:stages=stem,bn=adapt",
         "surgical stem, bn train": "surgical:stages=stem,bn=train", "full": "full"}
CROPS = ("identity", "crop:0.9", "crop:0.8")


class Rows:
    """Finished units, one JSON object per line."""

    def __init__(self, path: Path):
        self.path = path
        self.rows = [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []

    def has(self, key: str) -> bool:
        return any(r["key"] == key for r in self.rows)

    def add(self, row: dict) -> None:
        self.rows.append(row)
        with self.path.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


def inverted(part):
    return dataclasses.replace(part, images=255 - part.images, fingerprint=part.fingerprint + "-inverted")


def accuracy(run_dir: Path, part, views=("identity",)) -> float:
    loaded = load(run_dir)
    chosen = TestViews(tuple(views))
    probs = torch.cat([chosen.probabilities(loaded.logits, part.images[i:i + 256]) for i in range(0, len(part), 256)])
    return float((probs.argmax(1) == part.labels).float().mean())


def averaging(args, rows: Rows, backbone, out: Path) -> None:
    if rows.has("averaging"):
        return
    started = time.perf_counter()
    result = compare(backbone, "digits", AVERAGING, out=out / "averaging", seeds=args.seeds, epochs=args.epochs,
                     labels_per_class=10, lr_factors=(0.5, 1.0, 2.0), soup=True, keep_weights="all", show_test=True,
                     progress=False, overwrite=True)
    tests = {seed: load_target("digits", backbone.preprocessing, seed=seed, labels_per_class=10, progress=False).test
             for seed in range(args.seeds)}
    plans = {}
    for row in result.rows:
        runs = [r for r in row["runs"] if r["status"] == "ok"]
        plans[row["plan"]] = {
            "val": row["val"]["mean"], "test": row["test"]["mean"], "winner": row["winner"],
            "lr_factor": row["lr_factor"],
            "shifted": statistics.mean(accuracy(out / "averaging" / r["dir"], inverted(tests[r["seed"]])) for r in runs),
            "tta_crops": statistics.mean(accuracy(out / "averaging" / r["dir"], tests[r["seed"]], CROPS) for r in runs),
            "soup_sizes": [len(r["ingredients"]) for r in runs] if row["plan"] == "greedy-soup" else None,
        }
    wise = [p for r in result.runs if r.get("dir") and r["plan"] == "wise-ft"
            for p in [json.loads((out / "averaging" / r["dir"] / "run.json").read_text())]]
    alphas = [p["plan"]["phases"][1]["wise_ft"]["alpha"] for p in wise]
    rows.add({"key": "averaging", "plans": plans, "winner": result.winner["plan"], "wise_alphas": alphas,
              "seconds": round(time.perf_counter() - started, 1)})


def semi(args, rows: Rows, backbone, out: Path) -> None:
    pool = load_unlabeled("digits", backbone.preprocessing, progress=False)
    for name, (plan, k, unlabeled) in SEMI.items():
        for seed in range(args.seeds):
            key = f"semi {name} seed {seed}"
            if rows.has(key):
                continue
            data = load_target("digits", backbone.preprocessing, seed=seed, labels_per_class=k, progress=False)
            data.unlabeled = pool if unlabeled else None
            run = adapt(backbone, data, plan, epochs=args.epochs, seed=seed, progress=False)
            record = run.record["plan"]["phases"][0].get("semi_supervised")
            rows.add({"key": key, "plan": name, "seed": seed, "test": run.metrics["test"]["accuracy"],
                      "passed": [e["passed_fraction"] for e in record["per_epoch"]] if record else None,
                      "seconds": run.record["timing"]["total_seconds"]})


def shift(args, rows: Rows, backbone, out: Path) -> None:
    for target in ("inverted", "plain"):
        for name, plan in SHIFT.items():
            if target == "plain" and not name.startswith("surgical"):
                continue
            for seed in range(args.seeds):
                key = f"shift {target} {name} seed {seed}"
                if rows.has(key):
                    continue
                data = load_target("digits", backbone.preprocessing, seed=seed, labels_per_class=10, progress=False)
                if target == "inverted":
                    data = dataclasses.replace(data, train=inverted(data.train), val=inverted(data.val),
                                               test=inverted(data.test))
                run = adapt(backbone, data, plan, epochs=args.epochs, seed=seed, progress=False)
                rows.add({"key": key, "target": target, "plan": name, "seed": seed,
                          "test": run.metrics["test"]["accuracy"], "seconds": run.record["timing"]["total_seconds"]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default="averaging,semi,shift")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--input-size", type=int, default=32)
    parser.add_argument("--rows", type=Path, default=Path("beyond_recipes_rows.jsonl"))
    args = parser.parse_args()
    rows = Rows(args.rows)
    backbone = load_model(str(source_model()), input_size=args.input_size)
    sections = {"averaging": averaging, "semi": semi, "shift": shift}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sections.split(","):
            sections[name](args, rows, backbone, Path(tmp))


if __name__ == "__main__":
    main()
