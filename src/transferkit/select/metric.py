"""What a comparison chooses by: the user's metric (`--metric`) on the selection data of each run.

Every run records all metrics (engine/metrics.py); a comparison reads the chosen one from run.json. In domain
adaptation no target label may choose, so the score is the run's own model-selection estimate of target accuracy:
DEV (importance-weighted source validation) when unlabelled target images were given, else the source validation
accuracy; the target's labelled accuracy is the oracle, shown but never read by a choice.
"""

from __future__ import annotations

from typing import Any

from ..diagnosis.dev import dev_problem
from ..settings.choices import METRIC_KEYS

METRICS = tuple(METRIC_KEYS)
LABELS = {"accuracy": "accuracy", "balanced-accuracy": "balanced accuracy", "macro-f1": "macro-F1",
          "top5": "top-5 accuracy"}
RECORDED = tuple(METRIC_KEYS.values())


def metric_label(name: str) -> str:
    return LABELS[name]


def _all(metrics: dict[str, Any] | None) -> dict[str, Any] | None:
    if metrics is None:
        return None
    return {key: metrics.get(key) for key in RECORDED}


def domain_selection(record: dict[str, Any]) -> tuple[float, str]:
    """(estimated target accuracy, what it is) from a domain-adaptation run's model-selection record."""
    chosen = record["domain_adaptation"]["model_selection"]
    dev = chosen.get("dev") or {}
    if dev.get("accuracy_estimate") is not None:
        return dev["accuracy_estimate"], "DEV: importance-weighted accuracy on the source validation images"
    return chosen["source_validation"]["accuracy"], "accuracy on the source validation images"


def source_validation(record: dict[str, Any]) -> tuple[float, str | None]:
    """(source validation accuracy, why the run's DEV estimate cannot choose or None) of a domain-adaptation run."""
    chosen = record["domain_adaptation"]["model_selection"]
    source = chosen["source_validation"]
    dev = chosen.get("dev")
    return source["accuracy"], None if not dev else dev_problem(dev, source["images"])


def run_scores(record: dict[str, Any], metric: str = "accuracy") -> dict[str, Any]:
    """{'val': the selection score, 'holdout', 'test' (the metric, None where absent), 'selected_on', 'metrics':
    every recorded metric per split} of one run.json."""
    key = METRIC_KEYS[metric]
    metrics = record["metrics"]
    holdout = metrics.get("holdout")
    out = {
        "val": metrics["val"].get(key),
        "holdout": None if holdout is None else holdout.get(key),
        "test": metrics["test"].get(key),
        "selected_on": "validation",
        "domain_adaptation": bool(record.get("domain_adaptation")),
        "metrics": {split: _all(metrics.get(split)) for split in ("val", "holdout", "test")},
    }
    if record.get("domain_adaptation"):
        out["val"], out["selected_on"] = domain_selection(record)
        out["source_validation"], out["dev_problem"] = source_validation(record)
    elif holdout is not None:
        out["selected_on"] = "the selection part of the validation split"
    return out
