"""How often a selection rule picks a plan that is worse on test: the old rule (among the best mean and the plans the
paired test cannot separate from it, the cheapest) against the new default (`--prefer cheapest-equivalent`: the best
mean unless a cheaper plan is shown non-inferior within `--margin`) and `--prefer best`.

The comparisons are those of the real-network recipe benchmark (benchmarks/recipes_real.py: the ImageNet
EfficientNet-Lite0 and the demo's glyph-pretrained ResNet; digits, a Fashion-MNIST sample and texture patches; 10 and
100 labels per class; `linear-probe` and every preset; 3 seeds; each preset at its own learning rate, an epoch budget
of 10, validated at phase ends; test shown for every plan). Each comparison is written once to
OUT/<network>-<target>-k<labels>/ and skipped when its leaderboard.json is there (resumable: rerun the same command
after a crash). Then every leaderboard.json under OUT is read and each rule chooses from its runs' validation scores
alone; a choice is a regret when its plan's mean test accuracy is more than 1 point below the best plan's (the
highest mean test accuracy of the comparison, which no rule may read). One run of the comparisons serves every rule.

The full rerun (several hours on a 2-core CPU; through the lock, one torch thread):

    nice -n 5 env PYTHONPATH=src OMP_NUM_THREADS=1 \
        python benchmarks/selection_rules.py --out benchmarks/selection-comparisons --quiet

A small check (one network, one target, a few presets, 2 seeds):

    PYTHONPATH=src python benchmarks/selection_rules.py --networks lite0 --targets digits --labels 10 \
        --presets partial,full,lp-ft --seeds 2 --out /tmp/selection-check --quiet

`--read-only` skips training and only reads the leaderboards under OUT.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from transferkit.select import build_leaderboard
from transferkit.select.rule import SelectionRule

REGRET = 0.01  # more than 1 point of test accuracy below the best plan's


def old_rule(rows: list[dict]) -> str:
    """The rule before: the cheapest (fewest trainable parameters, then fewest training images per run) among the best
    mean and the plans whose Holm-corrected one-sided paired test does not separate them from it."""
    tied = [r for r in rows if r["tie"]]
    return min(tied, key=lambda r: (r["trainable_params"], r["train_images"] / max(r["val"]["n"], 1),
                                    -r["val"]["mean"]))["plan"]


def choices(board: dict, margin: float) -> dict:
    """The plans each rule chooses from a leaderboard.json's runs, and every plan's mean test accuracy."""
    entries = [{"term": None, **run} for run in board["runs"]]
    new = build_leaderboard(entries, show_test=True, rule=SelectionRule("cheapest-equivalent", margin))
    best = build_leaderboard(entries, show_test=True, rule=SelectionRule("best", margin))
    rows = [r for r in new["rows"] if r["status"] == "ok" and not r.get("control")]
    return {"old": old_rule(rows), "new": new["winner"]["plan"], "best": best["winner"]["plan"],
            "test": {r["plan"]: r["test"]["mean"] for r in rows}, "seeds": new["winner"]["val"]["n"],
            "warning": (new.get("power") or {}).get("warning")}


def run_comparisons(args: argparse.Namespace) -> None:
    """Every comparison of the grid whose leaderboard.json is not under args.out yet."""
    from transferkit import compare
    from recipes_real import PROBE, network, target

    plans = [PROBE] + args.presets.split(",")
    loaded: dict[str, object] = {}
    for net in args.networks.split(","):
        for name in args.targets.split(","):
            for k in (int(x) for x in args.labels.split(",")):
                folder = args.out / f"{net}-{name}-k{k}"
                if (folder / "leaderboard.json").is_file():
                    print(f"{folder.name}: done before, read from its leaderboard.json", flush=True)
                    continue
                if net not in loaded:
                    loaded[net] = network(net, args.input_size)
                started = time.perf_counter()
                compare(loaded[net], target(name, args.out / "targets"), plans, out=folder, seeds=args.seeds,
                        epochs=args.epochs, labels_per_class=k, lr_factors=(1.0,), eval_every=0, show_test=True,
                        progress=not args.quiet, overwrite=True)
                print(f"{folder.name}: {time.perf_counter() - started:.0f} s", flush=True)


def report(out: Path, margin: float) -> None:
    boards = sorted(out.glob("*/leaderboard.json"))
    print(f"\nMargin {100 * margin:g} point(s); regret: a chosen plan's mean test accuracy more than "
          f"{100 * REGRET:g} point below the best plan's (best = the highest mean test accuracy)\n")
    print("| comparison | seeds | best on test | old rule | new rule | --prefer best |")
    print("|---|---:|---|---|---|---|")
    counts = {"old": 0, "new": 0, "best": 0}
    deficits = {"old": [], "new": [], "best": []}
    warned = 0
    for path in boards:
        chosen = choices(json.loads(path.read_text()), margin)
        test = chosen["test"]
        top = max(test, key=test.get)
        cells = []
        for rule in ("old", "new", "best"):
            deficit = test[top] - test[chosen[rule]]
            deficits[rule].append(deficit)
            counts[rule] += deficit > REGRET
            cells.append(f"{chosen[rule]} ({-100 * deficit:+.1f})" + (" **regret**" if deficit > REGRET else ""))
        warned += chosen["warning"] is not None
        best = f"{top} ({100 * test[top]:.1f}%)"
        print(f"| {path.parent.name} | {chosen['seeds']} | {best} | " + " | ".join(cells) + " |")
    n = len(boards)
    print()
    for rule, words in (("old", "old rule (cheapest tied)"), ("new", "new rule (cheapest-equivalent)"),
                        ("best", "--prefer best")):
        mean = sum(deficits[rule]) / n if n else float("nan")
        print(f"{words}: {counts[rule]} of {n} comparisons chose a plan more than {100 * REGRET:g} point below the "
              f"best on test; mean shortfall {100 * mean:.2f} points")
    print(f"the power warning (too few seeds to separate a control, or anything) appeared in {warned} of {n}")


def main() -> None:
    from recipes_real import NETWORKS, PRESETS, TARGETS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", default=",".join(NETWORKS))
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--labels", default="10,100", help="Labels per class, comma-separated.")
    parser.add_argument("--presets", default=",".join(PRESETS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--input-size", type=int, default=32)
    parser.add_argument("--margin", type=float, default=1.0, help="Non-inferiority margin in points.")
    parser.add_argument("--out", type=Path, required=True, help="The comparisons' folder (kept; reused on a rerun).")
    parser.add_argument("--read-only", action="store_true", help="Only read the leaderboards under --out.")
    parser.add_argument("--quiet", action="store_true", help="No live tables or progress bars.")
    args = parser.parse_args()

    from machine import machine

    print(f"Machine: {machine()}", flush=True)
    if not args.read_only:
        run_comparisons(args)
    report(args.out, args.margin / 100)


if __name__ == "__main__":
    main()
