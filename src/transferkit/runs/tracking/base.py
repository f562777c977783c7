"""The trackers' registry, and what every tracker logs of a run: its parameters, per-epoch and final metrics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...errors import RunError
from ...registry import Registry

# log(target or None, the comparison's folder, its leaderboard, run.json by run directory)
Tracker = Callable[[str | None, Path, dict[str, Any], dict[str, dict[str, Any]]], None]
TRACKERS: Registry[Tracker] = Registry("tracker", RunError)
EPOCH_METRICS = ("train_loss", "train_accuracy", "val_accuracy", "val_loss")


def register_tracker(name: str):
    """`@register_tracker("name")` on a Tracker function: `--track name[:TARGET]` logs with it."""
    return TRACKERS.decorator(name)


def needs(module: str, extra: str, option: str):
    """Import `module`, or the one-line error naming the optional extra that installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise RunError(f"{option} needs {extra}, an optional extra; install it with: "
                       f"pip install 'transferkit[{extra}]'.") from None


def flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """{'a.b': 1, 'c': [1, 2]}: nested mappings flattened with dotted keys (lists stay values)."""
    if not isinstance(value, dict):
        return {prefix: value}
    out: dict[str, Any] = {}
    for key, item in value.items():
        out.update(flat(item, f"{prefix}.{key}" if prefix else str(key)))
    return out


def run_params(record: dict[str, Any]) -> dict[str, str]:
    """A run's parameters: its RunSpec, its plan (definition) and its place in the comparison, as text."""
    params = {**flat(record.get("spec") or {}, "spec"), **flat(record.get("comparison") or {}, "comparison"),
              "strategy": record["strategy"], "seed": record["seed"]}
    for i, phase in enumerate(record["plan"]["definition"]["phases"]):
        params.update(flat(phase, f"plan.phase{i + 1}"))
    return {k: str(v) for k, v in params.items()}


def epoch_metrics(record: dict[str, Any]) -> list[tuple[int, dict[str, float]]]:
    """(step, metrics) per trained epoch, the step counting epochs across phases from 1."""
    return [(step, {k: float(e[k]) for k in EPOCH_METRICS if isinstance(e.get(k), (int, float))})
            for step, e in enumerate(record.get("history") or [], start=1)]


def final_metrics(record: dict[str, Any]) -> dict[str, float]:
    """The run's final numbers per split: 'val.accuracy', 'test.macro_f1', ..."""
    return {f"{split}.{k}": float(v) for split, values in (record.get("metrics") or {}).items()
            if isinstance(values, dict) for k, v in values.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and k != "images"}


def winner_dirs(doc: dict[str, Any]) -> set[str]:
    """The run directories of the chosen plan."""
    row = next((r for r in doc["rows"] if r.get("winner")), None)
    return {run["dir"] for run in (row or {}).get("runs", []) if run.get("dir")}
