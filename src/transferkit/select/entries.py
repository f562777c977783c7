"""A run as one flat entry of a comparison: which candidate, seed, accuracies and what it cost."""

from __future__ import annotations

import math
from typing import Any

from ..engine import drop_ragged_batch
from .metric import run_scores


def run_compute(record: dict[str, Any]) -> dict[str, int]:
    """Training images processed and optimizer steps taken, from run.json (independent of machine load)."""
    n = record["data"]["splits"]["train"]["images"]
    images = steps = 0
    for phase in record["plan"]["phases"]:
        batch = phase["batch_size"]
        per_epoch = n - 1 if drop_ragged_batch(n, batch) else n
        epochs = phase.get("epochs_run", phase["epochs"])  # fewer when the phase stopped early
        images += epochs * per_epoch
        steps += epochs * (per_epoch // batch if drop_ragged_batch(n, batch) else math.ceil(n / batch))
    return {"train_images": images, "steps": steps}


def entry_from_record(record: dict[str, Any], run_dir: str | None, metric: str = "accuracy") -> dict[str, Any]:
    """The comparison entry of a finished run (run.json content; `comparison` and `resources` if present): `val` is
    its selection score, `holdout` and `test` the chosen metric on those splits (see metric.py)."""
    comparison = record.get("comparison") or {}
    phases = record["plan"]["phases"]
    scores = run_scores(record, metric)
    return {
        "candidate": comparison.get("candidate") or f"{record['strategy']}@{_lrs_label(record)}",
        "plan": comparison.get("plan") or record["strategy"],
        "network": comparison.get("network"),
        "term": record["term"],
        "lr_factor": comparison.get("lr_factor"),
        "lrs": [p["lr"] for p in record["plan"]["definition"]["phases"]],
        # the epoch budget the search gave the run; a plan trains its fixed epochs on top (EPOCH_BUDGET)
        "epochs": comparison.get("budget", sum(p["epochs"] for p in phases)),
        "fixed_epochs": sum(p["epochs"] for p in record["plan"]["definition"]["phases"] if p.get("fixed_epochs")),
        "epochs_trained": sum(p.get("epochs_run", p["epochs"]) for p in phases),
        # a control: the plan starts from random weights (scratch, linear-probe:init=random); never chosen
        "control": record["plan"].get("init") == "random",
        "rung": comparison.get("rung"),
        "seed": record["seed"],
        "status": "ok",
        "dir": run_dir,
        "val": scores["val"],
        "holdout": scores["holdout"],
        "test": scores["test"],
        "selected_on": scores["selected_on"],
        "domain_adaptation": scores["domain_adaptation"],
        **({k: scores[k] for k in ("source_validation", "dev_problem")} if scores["domain_adaptation"] else {}),
        "metrics": scores["metrics"],
        "trainable_params": max(p["trainable_params"] for p in phases),
        "seconds": record["timing"]["total_seconds"],
        "peak_memory": (record.get("resources") or {}).get("peak_memory"),
        **run_compute(record),
    }


def failed_entry(candidate: dict[str, Any], seed: int, epochs: int, error: str) -> dict[str, Any]:
    """The entry of a run that stopped with an error (for example a diverging loss at a high learning rate);
    `epochs`: the budget the search gave it."""
    return {**candidate, "epochs": epochs, "seed": seed, "status": "failed", "error": error, "dir": None,
            "val": None, "holdout": None, "test": None, "metrics": None, "trainable_params": None, "seconds": None, "peak_memory": None,
            "train_images": 0, "steps": 0}


def _lrs_label(record: dict[str, Any]) -> str:
    return "lr=" + "/".join(f"{p['lr']:.3g}" for p in record["plan"]["definition"]["phases"])
