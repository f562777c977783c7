"""Re-run a run from its run.json, on the same source model and data (both verified first), and compare."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from .api import Run, adapt, load_model, load_target, write_run_dir
from .console import logger
from .errors import DataError, ModelError, PlanError, RunError
from .models import load_state_dict_file
from .plans import Plan
from .report.rundir import check_output_dir, read_json

WEIGHTS_FILE = "model.safetensors"


@dataclass
class Reproduction:
    """The new run and how it compares with the original: `weights_match` is None when there was nothing to
    compare with (the original has no model.safetensors)."""

    original: Path
    run: Run
    metrics_match: bool
    weights_match: bool | None
    differences: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return self.metrics_match and self.weights_match is True


def reproduce(run_dir: str | Path, *, out: str | Path | None = None, overwrite: bool = False,
              model: str | None = None, data: str | None = None, device: str | None = None,
              progress: bool = True) -> Reproduction:
    """Run the plan of `run_dir/run.json` again with its seed, source model and data, and compare metrics and
    weights. `model` / `data` replace the recorded specs (e.g. after moving files); either way the source
    model must have the recorded sha256 and the data the recorded fingerprints, or nothing runs."""
    run_dir = Path(run_dir)
    record = read_json(run_dir / "run.json")
    if out is not None:
        check_output_dir(out, overwrite)
    plan, options = _recorded_run(record, run_dir)
    backbone = load_model(model or options["model"], weights=None if model else options.get("weights"),
                          pretrained=bool(options.get("pretrained", True)), input_size=_input_size(record))
    check_source(record, backbone)
    splits = load_target(data or options["data"], backbone.preprocessing,
                         labels_per_class=record["data"].get("labels_per_class"),
                         seed=record["data"].get("split_seed", record["seed"]),
                         val_fraction=record["data"].get("val_fraction", 0.2),
                         test_fraction=record["data"].get("test_fraction", 0.2), progress=progress,
                         classes=options.get("classes"))
    check_data(record, splits)
    run = adapt(backbone, splits, plan, seed=record["seed"], device=device or options.get("device", "auto"),
                progress=progress, cache=options.get("cache", "auto"), cache_views=options.get("cache_views", 1))
    result = _compare(run_dir, record, run)
    run.record["reproduction"] = {"of": str(run_dir), "metrics_match": result.metrics_match,
                                  "weights_match": result.weights_match, "differences": result.differences}
    if out is not None:
        run.dir = write_run_dir(run, plan, out, overwrite)
    return result


def _recorded_run(record: dict, run_dir: Path) -> tuple[Plan, dict[str, Any]]:
    where = f"run.json in '{run_dir}'"
    try:
        definition = record["plan"]["definition"]
        seed = record["seed"]
        source, data = record["source_model"], record["data"]
        options = record.get("run_options") or {  # records written before run_options existed
            "model": source["spec"], "weights": None, "pretrained": source.get("pretrained", True),
            "data": data["spec"], "classes": None, "device": "auto"}
        options["model"], options["data"] = str(options["model"]), str(options["data"])
        _ = data["fingerprint"], data["splits"], source["sha256"]
    except (KeyError, TypeError) as e:
        raise RunError(f"{where} lacks {e}; it is damaged or was not written by 'transferkit adapt'.") from None
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise RunError(f"{where} has seed {seed!r}, not a whole number; it is damaged.")
    try:
        plan = Plan.from_dict(definition)
    except PlanError as e:
        raise RunError(f"{where} holds an invalid plan ({e})") from None
    return plan, options


def _input_size(record: dict) -> int | None:
    size = (record.get("preprocessing") or {}).get("input_size")
    if isinstance(size, list) and len(size) == 3 and size[1] == size[2] and isinstance(size[1], int):
        return size[1]
    return None


def check_source(record: dict, backbone) -> None:
    """The loaded source model must be the recorded one: same architecture and weights sha256."""
    source = record["source_model"]
    recorded, found = source.get("sha256"), backbone.origin.get("sha256")
    spec = backbone.origin.get("spec")
    if recorded != found:
        raise ModelError(
            f"The source model '{spec}' is not the one the run used (weights sha256 {_short(found)} now, "
            f"{_short(recorded)} in run.json); pass the original model with --model."
        )
    if recorded is None and source.get("pretrained"):
        logger.warning("The run used hub weights, which carry no sha256 to verify; reproducing with today's download.")
    arch = source.get("arch")
    if arch is not None and json.loads(json.dumps(backbone.arch)) != arch:
        raise ModelError(f"The source model '{spec}' has architecture {backbone.arch}, but the run used {arch}; "
                         "pass the original model with --model.")
    recorded_pre = record.get("preprocessing")
    if recorded_pre is not None and backbone.preprocessing.to_dict() != recorded_pre:
        raise ModelError(f"The source model '{spec}' prepares images differently from the run "
                         f"({backbone.preprocessing.to_dict()} now, {recorded_pre} in run.json).")


def check_data(record: dict, splits) -> None:
    """The data must have the recorded fingerprint, and split into the recorded train/val/test sets."""
    data = record["data"]
    if splits.fingerprint != data["fingerprint"]:
        raise DataError(
            f"The data '{splits.spec}' differs from the data the run used (fingerprint {_short(splits.fingerprint)} "
            f"now, {_short(data['fingerprint'])} in run.json); pass the original data with --data."
        )
    for name in ("train", "val", "test"):
        recorded = (data["splits"].get(name) or {}).get("fingerprint")
        if getattr(splits, name).fingerprint != recorded:
            raise DataError(f"The data splits differently from the run (the {name} split's fingerprint changed); "
                            "the recorded labels_per_class, split_seed or class list do not give the same split.")


def _compare(run_dir: Path, record: dict, run: Run) -> Reproduction:
    differences = []
    new_metrics = json.loads(json.dumps(run.metrics))
    metrics_match = new_metrics == record.get("metrics")
    if not metrics_match:
        for split in ("val", "test"):
            old = (record.get("metrics") or {}).get(split, {}).get("accuracy")
            new = new_metrics[split]["accuracy"]
            differences.append(f"{split} accuracy {new} now, {old} in run.json")
    weights_path = run_dir / WEIGHTS_FILE
    weights_match = None
    if weights_path.is_file():
        weights_match, text = _compare_weights(load_state_dict_file(weights_path), run.backbone.model.state_dict())
        if text:
            differences.append(text)
    else:
        differences.append(f"weights not compared ('{run_dir}' has no {WEIGHTS_FILE})")
    return Reproduction(run_dir, run, metrics_match, weights_match, differences)


def _compare_weights(old: dict[str, torch.Tensor], new: dict[str, torch.Tensor]) -> tuple[bool, str]:
    if old.keys() != new.keys():
        return False, f"weights have different tensors ({len(set(old) ^ set(new))} names differ)"
    differ = [k for k in new if old[k].shape != new[k].shape or not torch.equal(old[k], new[k].detach().cpu())]
    if not differ:
        return True, ""
    largest = max((float((old[k].double() - new[k].detach().cpu().double()).abs().max())
                   for k in differ if old[k].shape == new[k].shape), default=float("nan"))
    return False, f"weights differ in {len(differ)} of {len(new)} tensors (largest difference {largest:.3g})"


def _short(digest: str | None) -> str:
    return f"{digest[:12]}…" if digest else "none"
