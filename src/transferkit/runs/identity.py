"""What must be equal to resume a run, and how often it was resumed."""

from __future__ import annotations

from typing import Any

from ..data.domain_data import DomainSplits


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
