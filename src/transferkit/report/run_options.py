"""What a run was asked to do (recorded in run.json as `run_options`), and what must be equal to resume it."""

from __future__ import annotations

from typing import Any

from ..data.domain_data import DomainSplits


def run_options(model, data, strategy, *, backbone, splits, epochs, seed, labels_per_class, classes, weights,
                pretrained, input_size, device) -> dict[str, Any]:
    """The options of `adapt` as given (objects passed instead of specs are named by the spec they came from)."""
    return {
        "model": model if isinstance(model, str) else backbone.origin.get("spec"),
        "weights": weights if isinstance(model, str) else _given_weights(backbone),
        "pretrained": pretrained if isinstance(model, str) else bool(backbone.origin.get("pretrained")),
        "input_size": input_size,
        "data": data if isinstance(data, str) else splits.spec,
        "labels_per_class": labels_per_class if isinstance(data, str) else splits.options.get("labels_per_class"),
        "classes": list(classes) if classes is not None else splits.options.get("classes"),
        "strategy": strategy if isinstance(strategy, str) else None,
        "epochs": epochs,
        "seed": seed,
        "device": device,
    }


def _given_weights(backbone) -> str | None:
    """The weights file a library model was loaded from (model directories carry their own weights)."""
    weights = backbone.origin.get("weights")
    spec = str(backbone.origin.get("spec", ""))
    if weights in (None, "hub") or not spec.startswith(("timm:", "torchvision:")):
        return None
    return weights


def run_identity(plan, seed: int, backbone, splits) -> dict[str, Any]:
    """Everything that decides a run's result: resuming requires it unchanged."""
    origin = backbone.origin
    source = {"arch": backbone.arch, "sha256": origin.get("sha256"), "pretrained": origin.get("pretrained")}
    if origin.get("sha256") is None:  # hub or random weights: the spec is all there is to compare
        source["spec"] = origin.get("spec")
    data = {
        "fingerprint": splits.fingerprint,
        "classes": list(splits.classes),
        "splits": {name: getattr(splits, name).fingerprint for name in ("train", "val", "test")},
    }
    if isinstance(splits, DomainSplits) and splits.unlabeled is not None:
        data["unlabeled"] = splits.unlabeled.fingerprint
    return {
        "plan": plan.to_dict(),
        "seed": seed,
        "source_model": source,
        "preprocessing": backbone.preprocessing.to_dict(),
        "data": data,
    }


def resume_summary(resumes: list[dict[str, Any]]) -> dict[str, Any]:
    """run.json's `resumed`: how many times the run was resumed, and at which (0-based) phase and epoch."""
    return {"count": len(resumes), "from": list(resumes)}
