"""The domain-adaptation side of a run: checks that fail before any work, and the run.json section that records
which data played which role and how the model was selected."""

from __future__ import annotations

from typing import Any

from ..console import logger
from ..settings import DataRef
from ..data.domain_data import DomainSplits
from ..diagnosis.selection import model_selection
from ..diagnosis.source_only_probe import source_only_probe
from ..errors import PlanError
from ..plans import Plan


def aligning_phases(plan: Plan) -> list[str]:
    """Names of the phases that align features with unlabelled target images."""
    return [p.name for p in plan.phases if p.alignment is not None]


def adapts_batch_norm(plan: Plan) -> bool:
    """Whether a phase re-estimates batch-norm statistics per domain (bn: adapt, for all or some stages)."""
    return any(p.bn == "adapt" or (isinstance(p.bn, dict) and "adapt" in p.bn.values()) for p in plan.phases)


def source_only_baseline(plan: Plan, backbone, splits, spec) -> dict | None:
    """Before training: the label-free estimate of a cheap source-only stand-in (diagnosis/source_only_probe.py)
    when `plan` adapts to unlabelled target images (alignment or batch norm per domain), else None."""
    if not isinstance(splits, DomainSplits) or splits.unlabeled is None:
        return None
    if not (aligning_phases(plan) or adapts_batch_norm(plan)):
        return None
    from ..engine import torch_device

    model = backbone.model
    home = next(model.parameters()).device
    try:
        model.to(torch_device(spec.execution.device))
        return source_only_probe(backbone, splits, seed=spec.seed, device=next(model.parameters()).device)
    finally:
        model.to(home)


def check_domain_options(plan: Plan, data: DataRef) -> None:
    """One-line errors for combinations that cannot work, before anything is loaded."""
    aligning = aligning_phases(plan)
    if aligning and data.unlabeled is None:
        method = next(p.alignment["method"] for p in plan.phases if p.alignment is not None)
        raise PlanError(f"Phase '{aligning[0]}' aligns features with unlabelled target images (alignment: {method}); "
                        "pass --source (labelled source) and --unlabeled (target images).")
    semi = any(p.semi_supervised != "none" for p in plan.phases)
    if data.source is None and data.unlabeled is not None and not semi:
        raise PlanError("--unlabeled without --source gives unlabelled target images, which only a semi-supervised "
                        "phase uses (for example --strategy fixmatch); pass --source too for domain adaptation, or "
                        "drop --unlabeled.")
    if data.source is not None and data.unlabeled is None and adapts_batch_norm(plan):
        logger.warning("The plan re-estimates batch norm, but without --unlabeled it does so on the training images "
                       "(the source); pass --unlabeled to adapt batch norm to the target.")


def domain_section(result, splits: DomainSplits, seed: int, baseline: dict | None = None) -> dict[str, Any]:
    """run.json's `domain_adaptation`: the role of each data set and the model-selection numbers, with source-only's
    `baseline` estimate (source_only_baseline) beside the run's own; one warning line when the run's is lower."""
    backbone = result.backbone
    device = next(backbone.model.parameters()).device
    chosen = model_selection(backbone, splits, result.metrics, seed=seed, device=device,
                             statistics=result.domain_statistics)
    if baseline is not None:
        chosen["source_only"] = baseline
        mine = (chosen.get("dev") or {}).get("accuracy_estimate")
        if mine is not None and mine < baseline["accuracy_estimate"]:
            problem = chosen["dev"].get("problem")
            logger.warning(f"Adapting to the target looks worse than source-only by the label-free estimate (DEV "
                           f"{mine:.1%} against {baseline['accuracy_estimate']:.1%} for a linear probe on the "
                           "source); compare it with --strategies source-only,... before trusting it."
                           + (f" DEV itself is unreliable here: {problem}." if problem else ""))
    return {
        "setting": "unsupervised domain adaptation" if splits.unlabeled is not None else "source only",
        "roles": splits.roles,
        "metrics_on": {"val": splits.roles["val"], "test": splits.roles["test"]},
        "model_selection": chosen,
    }
