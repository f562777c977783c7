"""The domain-adaptation side of `adapt`: which data plays which role, checks that fail before any work, and the
run.json section that records the roles and the model selection."""

from __future__ import annotations

from typing import Any

from .console import logger
from .data import DataSplits, Preprocessing
from .data.domain_data import DomainSplits, load_domain_data
from .diagnose.selection import model_selection
from .errors import PlanError, RunError
from .plans import Plan


def check_domain_options(plan: Plan, data, source: str | None, unlabeled: str | None) -> None:
    """One-line errors for combinations that cannot work, before anything is loaded."""
    if unlabeled is not None and source is None:
        raise RunError("--unlabeled needs --source: domain adaptation trains on labelled source images and adapts to "
                       "the unlabelled target images; pass --source with the labelled source data.")
    if source is not None and isinstance(data, DataSplits):
        raise RunError("With --source, pass the target data as a spec (--data), not as loaded splits.")
    aligning = [p.name for p in plan.phases if p.alignment is not None]
    if aligning and unlabeled is None:
        method = next(p.alignment["method"] for p in plan.phases if p.alignment is not None)
        raise PlanError(f"Phase '{aligning[0]}' aligns features with unlabelled target images (alignment: {method}); "
                        "pass --source (labelled source) and --unlabeled (target images).")
    adapting = any(p.bn == "adapt" or (isinstance(p.bn, dict) and "adapt" in p.bn.values()) for p in plan.phases)
    if source is not None and unlabeled is None and adapting:
        logger.warning("The plan re-estimates batch norm, but without --unlabeled it does so on the training images "
                       "(the source); pass --unlabeled to adapt batch norm to the target.")


def load_domain_splits(source: str, data: str, unlabeled: str | None, preprocessing: Preprocessing, *,
                       labels_per_class: int | None, seed: int, classes: list[str] | None,
                       progress: bool) -> DomainSplits:
    return load_domain_data(source, str(data), unlabeled, preprocessing, labels_per_class=labels_per_class,
                            seed=seed, classes=classes, progress=progress)


def domain_section(result, splits: DomainSplits, seed: int) -> dict[str, Any]:
    """run.json's `domain_adaptation`: the role of each data set and the model-selection numbers."""
    backbone = result.backbone
    device = next(backbone.model.parameters()).device
    return {
        "setting": "unsupervised domain adaptation" if splits.unlabeled is not None else "source only",
        "roles": splits.roles,
        "metrics_on": {"val": splits.roles["val"], "test": splits.roles["test"]},
        "model_selection": model_selection(backbone, splits, result.metrics, seed=seed, device=device,
                                           statistics=result.domain_statistics),
    }
