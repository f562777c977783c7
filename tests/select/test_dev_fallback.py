"""A domain-adaptation comparison chooses by DEV only where DEV can be trusted: when a run's importance weights
collapse onto a few source images (printed against handwritten digits: 2.4 of 240) or lose their mean of 1, every
plan is chosen by its source validation accuracy, and the leaderboard and table say why. Source-only protection
compares a method with the source-only plan that trains the same stages."""

from __future__ import annotations

import io

from rich.console import Console

from transferkit.diagnosis.dev import dev_problem
from transferkit.select import build_leaderboard
from transferkit.select.table import leaderboard_table

COLLAPSED = "2.4 of 240 source validation images carry its weight"


def entry(plan, seed, val, source_val, problem=None):
    return {"candidate": f"{plan}@x1", "plan": plan, "term": f"term of {plan}", "lr_factor": 1.0, "lrs": [0.001],
            "epochs": 10, "rung": None, "seed": seed, "status": "ok", "error": None, "dir": f"{plan}/{seed}",
            "val": val, "test": 0.5, "trainable_params": 1000, "seconds": 1.0, "peak_memory": None,
            "train_images": 1000, "steps": 10, "control": False, "domain_adaptation": True,
            "source_validation": source_val, "dev_problem": problem}


def caption(leaderboard):
    console = Console(file=io.StringIO(), width=400)
    console.print(leaderboard_table(leaderboard))
    return console.file.getvalue()


def test_dev_problem_names_a_collapsed_or_miscalibrated_estimate():
    assert "2.4 of 240" in dev_problem({"effective_images": 2.4, "weight_mean": 1.0}, 240)
    assert "average 0.002" in dev_problem({"effective_images": 100.0, "weight_mean": 0.002}, 240)
    assert dev_problem({"effective_images": 200.0, "weight_mean": 0.9}, 240) is None
    assert dev_problem({"effective_images": 24.0, "weight_mean": 1.0}, 240) is None  # 10% is enough


def test_a_collapsed_dev_makes_the_comparison_choose_by_source_validation():
    # the benchmark's printed -> handwritten digits: DEV ~99% for every plan, highest for the head-only source-only
    entries = [entry("source-only:k=0", s, v, sv, COLLAPSED) for s, (v, sv) in enumerate([(0.994, 0.89), (0.993, 0.90)])]
    entries += [entry("source-only", s, v, sv) for s, (v, sv) in enumerate([(0.986, 0.96), (0.985, 0.965)])]
    entries += [entry("mcc", s, v, sv) for s, (v, sv) in enumerate([(0.968, 0.955), (0.967, 0.96)])]
    lb = build_leaderboard(entries)
    assert lb["winner"]["plan"] == "source-only"
    fallback = lb["dev_fallback"]
    assert fallback["applied"] and fallback["runs_failing"] == 2 and fallback["runs"] == 6
    assert "source-only:k=0 (seed 0)" in fallback["reason"] and COLLAPSED in fallback["reason"]
    rows = {r["plan"]: r for r in lb["rows"]}
    assert abs(rows["source-only:k=0"]["val"]["mean"] - 0.895) < 1e-9  # the source validation accuracy
    assert all(run["selected_on"] == "accuracy on the source validation images" for run in rows["mcc"]["runs"])
    assert "DEV cannot choose here" in " ".join(caption(lb).split())


def test_a_trusted_dev_chooses_as_before():
    entries = [entry("source-only:k=0", s, v, 0.5) for s, v in enumerate([0.80, 0.81])]
    entries += [entry("source-only", s, v, 0.9) for s, v in enumerate([0.70, 0.71])]
    lb = build_leaderboard(entries)
    assert lb["winner"]["plan"] == "source-only:k=0" and lb["dev_fallback"] is None
    assert "DEV cannot choose" not in caption(lb)


def test_source_only_protection_compares_with_the_plan_that_trains_the_same_stages():
    # coral (top stage + head) clearly beats the head-only source-only:k=0, listed first, but not source-only
    entries = [entry("source-only:k=0", s, v, 0.5) for s, v in enumerate([0.50, 0.52, 0.51])]
    entries += [entry("source-only", s, v, 0.5) for s, v in enumerate([0.70, 0.74, 0.72])]
    entries += [entry("coral", s, v, 0.5) for s, v in enumerate([0.73, 0.72, 0.725])]
    lb = build_leaderboard(entries)
    guard = lb["winner"]["protected_by_source_only"]
    assert guard["source_only"] == "source-only" and guard["applied"]
    assert lb["winner"]["plan"] == "source-only"
    # adabn (head only) is held against source-only:k=0
    entries = [entry("source-only:k=0", s, v, 0.5) for s, v in enumerate([0.50, 0.52, 0.51])]
    entries += [entry("source-only", s, v, 0.5) for s, v in enumerate([0.40, 0.41, 0.42])]
    entries += [entry("adabn", s, v, 0.5) for s, v in enumerate([0.60, 0.63, 0.61])]
    lb = build_leaderboard(entries)
    assert lb["winner"]["plan"] == "adabn"
    assert lb["winner"]["protected_by_source_only"]["source_only"] == "source-only:k=0"
