"""The domain-adaptation side of a run: checks that fail before any work, and the run.json section that records
which data played which role and how the model was selected."""

from __future__ import annotations

from typing import Any

from ..console import logger
from ..settings import DataRef
from ..data.domain_data import DomainSplits
from ..diagnosis.selection import model_selection
from ..errors import PlanError
from ..plans import Plan


def aligning_phases(plan: Plan) -> list[str]:
    """Names of the phases that align features with unlabelled target images."""
    return [p.name for p in plan.phases if p.alignment is not None]


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
    adapting = any(p.bn == "adapt" or (isinstance(p.bn, dict) and "adapt" in p.bn.values()) for p in plan.phases)
    if data.source is not None and data.unlabeled is None and adapting:
        logger.warning("The plan re-estimates batch norm, but without --unlabeled it does so on the training images "
                       "(the source); pass --unlabeled to adapt batch norm to the target.")


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
