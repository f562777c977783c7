"""Re-run a run from its run.json, on the same source model and data (both verified first), and compare."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..console import logger
from ..engine import StopRequest
from ..errors import DataError, ModelError, PlanError, RunError
from ..files import check_output_dir, read_json
from ..models import load_state_dict_file
from ..plans import Plan
from .adapt import adapt
from .loading import load_model, load_splits
from .run import Run, write_run_dir
from ..settings import ModelRef, Output, RunSpec

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


def reproduce(run_dir: str | Path, output: Output | None = None, *, moved: dict[str, Any] | None = None) -> Reproduction:
    """Run the plan of `run_dir/run.json` again with its recorded RunSpec, and compare metrics and weights.

    `moved` changes only what moved: `model` / `weights` (the source model), `data` (the target), `device`,
    `progress`. Either way the source model must have the recorded sha256 and the data the recorded
    fingerprints, or nothing runs."""
    run_dir, output = Path(run_dir), output or Output()
    record = read_json(run_dir / "run.json")
    plan, spec = recorded_run(record, run_dir)
    spec = _moved(spec, moved or {})
    if output.path is not None:
        check_output_dir(output.path, output.overwrite)
    backbone = load_model(spec.model)
    check_source(record, backbone)
    spec, splits = _recorded_data(record, spec, backbone, data_moved=(moved or {}).get("data") is not None)
    run = adapt(spec, plan, backbone=backbone, splits=splits, stop=recorded_stop(record))
    result = _compare(run_dir, record, run)
    run.record["reproduction"] = {"of": str(run_dir), "metrics_match": result.metrics_match,
                                  "weights_match": result.weights_match, "differences": result.differences}
    if output.path is not None:
        run.dir = write_run_dir(run, plan, output.path, output.overwrite)
    return result


def _moved(spec: RunSpec, moved: dict[str, Any]) -> RunSpec:
    unknown = sorted(set(moved) - {"model", "weights", "data", "device", "progress"})
    if unknown:
        raise TypeError(f"reproduce() changes only model, weights, data, device and progress; got {unknown[0]!r}.")
    changes = {k: v for k, v in moved.items() if v is not None}
    if "model" in changes or "weights" in changes:
        weights = changes.pop("weights", None)
        model = ModelRef(str(changes.pop("model", spec.model.spec)), weights=weights,
                         weights_map=spec.model.weights_map if weights else None, pretrained=spec.model.pretrained,
                         input_size=spec.model.input_size)
        spec = RunSpec(model, spec.data, spec.execution, spec.seed, spec.overrides)
    return spec.replace(**changes)


def _recorded_data(record: dict, spec: RunSpec, backbone, *, data_moved: bool):
    """The recorded data, split as recorded: the data spec as given, else its absolute path as recorded."""
    tries = [spec]
    resolved = record["data"].get("resolved_spec")
    if not data_moved and resolved and resolved != spec.data.spec:
        tries.append(spec.replace(data=resolved))
    for i, candidate in enumerate(tries):
        try:
            splits = load_splits(candidate, backbone.preprocessing)
            check_data(record, splits)
            return candidate, splits
        except DataError:
            if i == len(tries) - 1:
                raise
    raise AssertionError("unreachable")


def recorded_run(record: dict, run_dir: Path) -> tuple[Plan, RunSpec]:
    """The plan and the RunSpec of a run.json (overrides cleared: the recorded plan carries them already)."""
    where = f"run.json in '{run_dir}'"
    try:
        definition = record["plan"]["definition"]
        seed = record["seed"]
        source, data = record["source_model"], record["data"]
        _ = data["fingerprint"], data["splits"], source["sha256"]
        spec_dict = record.get("spec") or _legacy_spec(record)
    except (KeyError, TypeError) as e:
        raise RunError(f"{where} lacks {e}; it is damaged or was not written by 'transferkit adapt'.") from None
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise RunError(f"{where} has seed {seed!r}, not a whole number; it is damaged.")
    try:
        plan = Plan.from_dict(definition)
        spec = RunSpec.from_dict(spec_dict)
    except (PlanError, RunError, ModelError, DataError) as e:
        raise RunError(f"{where} holds an invalid run request ({e})") from None
    return plan, RunSpec(spec.model, spec.data, spec.execution, seed)


def recorded_stop(record: dict) -> StopRequest | None:
    """Where the run's training was stopped early on request, to stop there again (None: it ran its whole plan)."""
    stopped = record.get("stopped_early")
    if not stopped:
        return None
    try:
        return StopRequest(at=(int(stopped["phase"]), int(stopped["epoch"])))
    except (KeyError, TypeError, ValueError):
        raise RunError(f"run.json has an invalid 'stopped_early' record {stopped!r}; it is damaged.") from None


def _legacy_spec(record: dict) -> dict[str, Any]:
    """A spec from the `run_options` of records written before run.json stored the RunSpec."""
    source, data = record["source_model"], record["data"]
    options = record.get("run_options") or {}
    size = _input_size(record) if options.get("input_size") is None else options["input_size"]
    return {
        "model": {"spec": str(options.get("model", source["spec"])), "weights": options.get("weights"),
                  "pretrained": bool(options.get("pretrained", source.get("pretrained", True))), "input_size": size},
        "data": {"spec": str(options.get("data", data["spec"])), "labels_per_class": data.get("labels_per_class"),
                 "classes": options.get("classes"), "val_fraction": data.get("val_fraction", 0.2),
                 "test_fraction": data.get("test_fraction", 0.2), "source": options.get("source"),
                 "unlabeled": options.get("unlabeled")},
        "execution": {"device": options.get("device", "auto"), "cache": {
            "mode": options.get("cache", "auto"), "views": options.get("cache_views", 1)}},
    }


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
