"""run.json: the exact, complete record of one run."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from ..data import augmentation_flips
from ..engine import RunResult
from ..settings.phase_values import AUGMENT_SETTINGS
from ..environment import environment, package_versions
from ..plans import plan_term
from ..report import describe_record

SCHEMA_VERSION = 1
MAX_LISTED_TENSORS = 64


def tensor_listing(names: list[str], stage_of) -> dict[str, Any]:
    """The sorted trainable tensor names, or, when long, their sha256 with per-stage counts."""
    names = sorted(names)
    per_stage: dict[str, int] = {}
    for name in names:
        per_stage[stage_of(name)] = per_stage.get(stage_of(name), 0) + 1
    listing: dict[str, Any] = {"count": len(names), "per_stage": per_stage,
                               "sha256": hashlib.sha256("\n".join(names).encode()).hexdigest()}
    if len(names) <= MAX_LISTED_TENSORS:
        listing["names"] = names
    return listing


def phase_entries(result: RunResult) -> list[dict[str, Any]]:
    net = result.backbone
    entries = []
    for record in result.phases:
        s = record.settings
        epochs = [e for e in result.history if e.phase == record.index]
        entries.append(
            {
                "name": record.name,
                "epochs": record.epochs,
                "trainable_stages": [k for k, v in record.stages.items() if v["trainable"]],
                "trainable_params": record.trainable_params,
                "frozen_params": record.frozen_params,
                "stages": record.stages,
                "lr_per_stage": {k: v["lr"] for k, v in record.stages.items()},
                "bn_per_stage": {k: v["bn"] for k, v in record.stages.items()},
                "optimizer": {"name": s["optimizer"], "weight_decay": s["weight_decay"], "momentum": s["momentum"]},
                "schedule": {"name": s["schedule"], "warmup": s["warmup"]},
                "batch_size": s["batch_size"],
                # images per optimizer step over all processes
                "global_batch_size": s["batch_size"] * s.get("grad_accum", 1) * result.processes.get("count", 1),
                "max_steps": s.get("max_steps"),
                "grad_accum": s.get("grad_accum", 1),
                "augment": s["augment"],
                **{key: s[key] for key in AUGMENT_SETTINGS},
                "label_smoothing": s["label_smoothing"],
                "class_weights": s["class_weights"],
                "sampler": s["sampler"],
                "standardize_features": s["standardize_features"],
                "regularizers": s["regularizers"],
                "alignment": s["alignment"],
                "adapter": s["adapter"],
                "trainable_tensors": tensor_listing(record.trainable_tensors,
                                                    lambda n, r=record: r.tensor_stages.get(n) or net.stage_of_param(n)),
                "param_groups": record.groups,
                "lr_applied": [{"epoch": e.epoch, "groups": e.lr} for e in epochs],
                "bn_adapted_images": record.bn_adapted_images,
                "seconds": round(record.seconds, 3),
                **record.extras,
            }
        )
    return entries


def what_the_data_did(data_summary: dict[str, Any], phases: list[dict[str, Any]]) -> dict[str, Any]:
    """The data summary with `horizontal_flip` saying whether training flipped images (some phase's augmentation
    flips, on data whose classes survive mirroring) and `flips_keep_labels` whether the data allows flips."""
    allowed = bool(data_summary.get("horizontal_flip", True))
    flipped = allowed and any(augmentation_flips(p["augment"]) for p in phases)
    return {**data_summary, "horizontal_flip": flipped, "flips_keep_labels": allowed}


def build_record(result: RunResult, data_summary: dict[str, Any], extra: dict[str, Any] | None = None) -> dict:
    """The run.json content; `description` is derived from the other fields."""
    net = result.backbone
    origin = dict(net.origin)
    phases = phase_entries(result)
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "transferkit_version": package_versions()["transferkit"],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "strategy": result.plan.strategy,
        "term": plan_term(result.plan, net.stage_names),
        "description": "",
        "seed": result.seed,
        "stages": net.stage_names,
        "plan": {
            "strategy": result.plan.strategy,
            "init": result.plan.init,
            "options": result.plan.options,
            # budget + fixed = total planned epochs (settings.phase_values.EPOCH_BUDGET)
            "epochs": result.plan.epoch_counts(),
            "phases": phases,
            "definition": result.plan.to_dict(),
        },
        "source_model": {**origin, "arch": net.arch, "stage_params": net.param_counts()},
        "preprocessing": net.preprocessing.to_dict(),
        "data": what_the_data_did(data_summary, phases),
        "metrics": result.metrics,
        "history": [e.to_dict() for e in result.history],
        "kept": result.kept,
        "stopped_early": result.stopped_early,
        "timing": result.timing,
        "environment": {**environment(result.device), "processes": result.processes},
    }
    if extra:
        record.update(extra)
    record["description"] = describe_record(record)
    return record
