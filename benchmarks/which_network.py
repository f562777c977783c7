"""Does `rank` pick the network that fine-tuning later finds best? Each transferability score of `rank` against the
test accuracy of the best of linear-probe, partial and lp-ft per network, as Kendall's tau; and rank's time against
compare's.

Networks: the demo's glyph-pretrained ResNet (step 1 done here) and the ImageNet EfficientNet-Lite0, -Lite1, -Lite2
and MobileNetV2 (offline packages), all at one small input size. Targets: scikit-learn's digits, a stratified
Fashion-MNIST sample and texture patches from scikit-image's photographs (benchmarks/real_targets.py), at 10 and 100
labels per class. For each (network, target, labels) the script runs `rank` on that network alone (every score;
LEEP and NCE read the network's own source head), then `compare` with the three plans, the same seeds and epochs
(seed k draws split k). Each finished piece is one JSON line appended to --rows, so the script resumes where it
stopped; --minutes bounds one invocation. --report prints the tables from the rows. Offline:

    PYTHONPATH=src python benchmarks/which_network.py [--minutes 14] [--rows benchmarks/which_network.jsonl]
    PYTHONPATH=src python benchmarks/which_network.py --report
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from machine import machine
from real_targets import fashion_sample, texture_patches

PLANS = ["linear-probe", "partial", "lp-ft"]
NETWORKS = {"glyph": None, "lite0": "timm:tf_efficientnet_lite0", "lite1": "timm:tf_efficientnet_lite1",
            "lite2": "timm:tf_efficientnet_lite2", "mobilenetv2": "torchvision:mobilenet_v2"}
TARGETS = ("fashion", "digits", "textures")
SCORES = ("logme", "leep", "nce", "h-score", "knn", "linear-probe")
HEAD_SCORES = ("leep", "nce")  # need the ImageNet head: compared over the four ImageNet networks only
HERE = Path(__file__).resolve().parent


def read_rows(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def append_row(path: Path, row: dict) -> None:
    with path.open("a") as f:
        f.write(json.dumps(row) + "\n")
        f.flush()
        os.fsync(f.fileno())


def target_data(name: str, folder: Path) -> str:
    if name == "fashion":
        return fashion_sample(folder / "fashion", train=1200, test=300)
    if name == "textures":
        return texture_patches(folder / "textures")
    return name


def piece(kind: str, net: str, target: str, k: int, args, glyph: Path) -> dict:
    """One finished piece: `rank` of one network, or `compare` of the three plans on it."""
    from transferkit import compare, rank

    spec = NETWORKS[net] or str(glyph)
    data = target_data(target, args.work / "targets")
    common = {"labels_per_class": k, "input_size": args.input_size, "progress": False}
    started = time.perf_counter()
    if kind == "rank":
        doc = rank([spec], data, **common).doc
        row = doc["networks"][0]
        return {"kind": kind, "network": net, "target": target, "k": k, "scores": row["scores"],
                "not_measured": row["not_measured"], "seconds": round(time.perf_counter() - started, 2),
                "score_seconds": row["seconds"], "imagenet_top1": row.get("imagenet_top1")}
    result = compare(spec, data, PLANS, seeds=args.seeds, epochs=args.epochs, lr_factors=(1.0,), eval_every=0,
                     show_test=True, **common)
    plans = {r["plan"]: {"test": r["test"]["mean"], "val": (r.get("val") or {}).get("mean")} for r in result.rows}
    return {"kind": kind, "network": net, "target": target, "k": k, "plans": plans,
            "best_test": max(p["test"] for p in plans.values()), "seconds": round(time.perf_counter() - started, 2)}


def run(args) -> None:
    from transferkit.demo import source_model

    glyph = source_model(progress=False)  # the demo's glyph network, from the default cache (trained once)
    os.environ["TRANSFERKIT_CACHE"] = str(args.work / "cache")  # features cached by this benchmark only
    done = {(r["kind"], r["network"], r["target"], r["k"]) for r in read_rows(args.rows)}
    todo = [(kind, net, target, k) for k in map(int, args.labels.split(",")) for target in args.targets.split(",")
            for net in args.networks.split(",") for kind in ("rank", "compare")]
    print(f"Machine: {machine()}; {len(todo) - len(done & set(todo))} pieces to go", flush=True)
    deadline = time.monotonic() + args.minutes * 60
    for key in todo:
        if key in done:
            continue
        if time.monotonic() > deadline:
            print("Time is up for this invocation; run again to continue.", flush=True)
            return
        row = piece(*key, args, glyph)
        row.update(input_size=args.input_size, epochs=args.epochs, seeds=args.seeds)
        append_row(args.rows, row)
        print(f"{key}: {row['seconds']:.0f} s", flush=True)


def taus(scores: list[float], truth: list[float]) -> tuple[float, float]:
    from scipy.stats import kendalltau, weightedtau

    return float(kendalltau(scores, truth).statistic), float(weightedtau(scores, truth).statistic)


def report(args) -> None:
    rows = read_rows(args.rows)
    ranks = {(r["network"], r["target"], r["k"]): r for r in rows if r["kind"] == "rank"}
    compares = {(r["network"], r["target"], r["k"]): r for r in rows if r["kind"] == "compare"}
    cells = sorted({(t, k) for (_, t, k) in compares}, key=lambda c: (TARGETS.index(c[0]), c[1]))
    per_score: dict[str, list[tuple[float, float]]] = {s: [] for s in (*SCORES, "imagenet-top1")}
    print("| target | labels/class | best test accuracy per network (best plan) | "
          + " | ".join(f"{s} tau / wtau" for s in (*SCORES, "imagenet-top1")) + " |")
    print("|---|---:|---|" + "---:|" * (len(SCORES) + 1))
    for target, k in cells:
        nets = [n for n in NETWORKS if (n, target, k) in compares and (n, target, k) in ranks]
        truth = {n: compares[(n, target, k)]["best_test"] for n in nets}
        best_plan = {n: max(compares[(n, target, k)]["plans"].items(), key=lambda p: p[1]["test"])[0] for n in nets}
        cells_text = []
        for s in (*SCORES, "imagenet-top1"):
            pool = [n for n in nets if NETWORKS[n] is not None] if s in (*HEAD_SCORES, "imagenet-top1") else nets
            values = {n: (ranks[(n, target, k)]["imagenet_top1"] if s == "imagenet-top1"
                          else ranks[(n, target, k)]["scores"].get(s)) for n in pool}
            pool = [n for n in pool if values[n] is not None]
            if len(pool) < 3:
                cells_text.append("—")
                continue
            t, w = taus([values[n] for n in pool], [truth[n] for n in pool])
            per_score[s].append((t, w))
            cells_text.append(f"{t:+.2f} / {w:+.2f}")
        accuracies = ", ".join(f"{n} {100 * truth[n]:.1f} ({best_plan[n]})" for n in nets)
        print(f"| {target} | {k} | {accuracies} | " + " | ".join(cells_text) + " |")
    print("| **mean** | | | " + " | ".join(
        f"**{np.mean([t for t, _ in v]):+.2f} / {np.mean([w for _, w in v]):+.2f}**" if v else "—"
        for v in per_score.values()) + " |")
    print()
    rank_s = sum(r["seconds"] for r in ranks.values())
    compare_s = sum(r["seconds"] for r in compares.values())
    print(f"rank: {rank_s:.0f} s over {len(ranks)} (network, target, labels) pieces; compare: {compare_s:.0f} s over "
          f"{len(compares)}; rank / compare = {rank_s / max(compare_s, 1e-9):.1%}")
    for target, k in cells:
        four = [n for n in NETWORKS if NETWORKS[n] is not None and (n, target, k) in ranks and (n, target, k) in compares]
        r = sum(ranks[(n, target, k)]["seconds"] for n in four)
        c = sum(compares[(n, target, k)]["seconds"] for n in four)
        print(f"  {target}, {k}/class, the four ImageNet networks: rank {r:.0f} s, compare {c:.0f} s ({r / c:.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", default=",".join(NETWORKS))
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--labels", default="10,100", help="Labels per class, comma-separated.")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--input-size", type=int, default=32)
    parser.add_argument("--minutes", type=float, default=14.0, help="Start no new piece after this many minutes.")
    parser.add_argument("--rows", type=Path, default=HERE / "which_network.jsonl")
    parser.add_argument("--work", type=Path, default=Path("/tmp/which-network"), help="Targets and feature cache.")
    parser.add_argument("--report", action="store_true", help="Print the tables from --rows and stop.")
    args = parser.parse_args()
    if args.report:
        report(args)
    else:
        run(args)


if __name__ == "__main__":
    main()
