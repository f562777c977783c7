"""The linear probe against scikit-learn's logistic regression on the same frozen features and splits, on every
real row of the recipes benchmark (benchmarks/recipes_real.py: the demo's glyph-pretrained ResNet and the ImageNet
EfficientNet-Lite0 at 32 px; digits, a Fashion-MNIST sample and texture patches; 1, 10 and 100 labels per class).

Per row and seed (seed k draws split k): `linear-probe` (the head fitted by L-BFGS on the cached features, its L2
strength chosen on validation), `linear-probe:fit=sgd` (the earlier way: 10 epochs of AdamW at 0.01 on standardized
features), and `StandardScaler + LogisticRegression(C=1)` fitted on the very features the probe read (its feature
store: the same backbone, images and split, checked by its fingerprint), all scored on the test split.

Resumable: every finished (row, seed) is appended to `--rows` (JSON lines) and skipped when run again; the table
is printed from that file at the end (`--table-only` prints it without running anything).

    PYTHONPATH=src python benchmarks/probe_fit.py [--networks glyph,lite0] [--targets digits,fashion,textures]
                                                   [--labels 1,10,100] [--seeds 3] [--rows probe_fit_rows.jsonl]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from machine import machine

NETWORKS = ("glyph", "lite0")
TARGETS = ("digits", "fashion", "textures")
KINDS = ("lbfgs", "sgd", "sklearn")


def sklearn_accuracy(store: Path, splits) -> float:
    """StandardScaler + LogisticRegression(C=1) on the very pre-logits features the probe read (its feature store:
    train.npy (views, N, D), test.npy (N, D)), scored on test."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train, test = np.load(store / "train.npy")[0], np.load(store / "test.npy")
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000))
    model.fit(train.astype(np.float64), splits.train.labels.numpy())
    return float((model.predict(test.astype(np.float64)) == splits.test.labels.numpy()).mean())


def measure(backbone, data: str, k: int, seed: int) -> dict:
    from transferkit import adapt
    from transferkit.api import load_target

    out = {}
    for kind, strategy in (("lbfgs", "linear-probe"), ("sgd", "linear-probe:fit=sgd")):
        started = time.perf_counter()
        run = adapt(backbone, data, strategy, labels_per_class=k, seed=seed, progress=False)
        out[kind] = run.record["metrics"]["test"]["accuracy"]
        out[f"{kind}_seconds"] = round(time.perf_counter() - started, 2)
        if kind == "lbfgs":
            phase = run.record["plan"]["phases"][0]
            out["fit"] = {key: phase.get("fit", {}).get(key) for key in ("method", "C", "iterations", "converged")}
            fingerprint = run.record["data"]["splits"]["train"]["fingerprint"]
            store = Path(phase["feature_cache"]["path"])
    splits = load_target(data, backbone.preprocessing, labels_per_class=k, seed=seed, progress=False)
    assert splits.train.fingerprint == fingerprint, "the probe's split differs from the logistic regression's"
    out["sklearn"] = sklearn_accuracy(store, splits)
    return out


def done_keys(rows: Path) -> set[tuple]:
    if not rows.is_file():
        return set()
    return {(r["network"], r["target"], r["labels"], r["seed"]) for r in map(json.loads, rows.read_text().splitlines())}


def table(rows: Path) -> None:
    found = [json.loads(line) for line in rows.read_text().splitlines()] if rows.is_file() else []
    groups: dict[tuple, list[dict]] = {}
    for r in found:
        groups.setdefault((r["network"], r["target"], r["labels"]), []).append(r)
    print("| network | target | labels per class | seeds | linear-probe (L-BFGS) | linear-probe:fit=sgd | "
          "scikit-learn LR (C=1) | L-BFGS - sklearn | chosen C |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    below = 0
    for (net, name, k), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        means = {kind: statistics.mean(r[kind] for r in group) for kind in KINDS}
        diff = 100 * (means["lbfgs"] - means["sklearn"])
        below += diff < 0
        cs = ", ".join(f"{r['fit']['C']:.3g}" for r in sorted(group, key=lambda r: r["seed"]))
        print(f"| {net} | {name} | {k} | {len(group)} | {means['lbfgs']:.1%} | {means['sgd']:.1%} | "
              f"{means['sklearn']:.1%} | {diff:+.1f} | {cs} |")
    print(f"\n{below} of {len(groups)} rows with the L-BFGS probe below the logistic regression (mean over seeds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", default=",".join(NETWORKS))
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--labels", default="1,10,100")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--input-size", type=int, default=32)
    parser.add_argument("--rows", type=Path, default=Path("probe_fit_rows.jsonl"))
    parser.add_argument("--table-only", action="store_true")
    args = parser.parse_args()
    if args.table_only:
        table(args.rows)
        return

    from recipes_real import network, target

    print(f"Machine: {machine()}", flush=True)
    finished = done_keys(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        for net in args.networks.split(","):
            backbone = network(net, args.input_size)
            for name in args.targets.split(","):
                data = target(name, Path(tmp) / "targets")
                for k in (int(x) for x in args.labels.split(",")):
                    for seed in range(args.seeds):
                        if (net, name, k, seed) in finished:
                            continue
                        started = time.perf_counter()
                        row = {"network": net, "target": name, "labels": k, "seed": seed,
                               **measure(backbone, data, k, seed)}
                        with open(args.rows, "a", encoding="utf-8") as fh:
                            fh.write(json.dumps(row) + "\n")
                        print(f"{net} {name} k={k} seed {seed}: L-BFGS {row['lbfgs']:.1%}, sgd {row['sgd']:.1%}, "
                              f"sklearn {row['sklearn']:.1%} ({time.perf_counter() - started:.0f} s)", flush=True)
    table(args.rows)


if __name__ == "__main__":
    main()
