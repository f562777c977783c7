"""Presets that also learn from unlabelled images of the target's own distribution (`--unlabeled` without
`--source`): FixMatch and pseudo-labelling. Any plan can do the same in a phase (`semi_supervised`, `threshold`,
`unlabeled_ratio`, `unlabeled_weight`), e.g. `lp-ft:semi_supervised=fixmatch` (LP-FT, then FixMatch)."""

from __future__ import annotations

from ..phase import Phase
from ..plan import Plan
from ..registry import register_strategy
from .checks import FINE_TUNING_BN, at_least


def _semi(method: str, epochs: int, lr: float, threshold: float, ratio: int, bn: str) -> Plan:
    at_least(method, "epochs", epochs, 1)
    at_least(method, "ratio", ratio, 1)
    phase = Phase(name=f"fine-tune all with {method}", epochs=epochs, train=["all"], lr=lr, bn=bn,
                  semi_supervised=method, threshold=threshold, unlabeled_ratio=ratio)
    phase.validate()
    return Plan(phases=[phase])


@register_strategy(
    "fixmatch",
    summary="Full fine-tuning that also trains on unlabelled target images (--unlabeled): a weak view's confident "
    "prediction (probability >= threshold) is the label of a strong view (RandAugment + erasing); ratio unlabelled "
    "images per labelled one.",
    reference="Sohn et al., FixMatch: Simplifying Semi-Supervised Learning with Consistency and Confidence, NeurIPS 2020",
)
def fixmatch(epochs: int = 10, lr: float = 1e-3, threshold: float = 0.95, ratio: int = 7,
             bn: str = FINE_TUNING_BN) -> Plan:
    return _semi("fixmatch", epochs, lr, threshold, ratio, bn)


@register_strategy(
    "pseudo-label",
    summary="Full fine-tuning that also trains on unlabelled target images (--unlabeled) with their own confident "
    "predictions (probability >= threshold) as labels; ratio unlabelled images per labelled one.",
    reference="Lee, Pseudo-Label: The Simple and Efficient Semi-Supervised Learning Method for Deep Neural Networks, "
    "ICML 2013 workshop",
)
def pseudo_label(epochs: int = 10, lr: float = 1e-3, threshold: float = 0.95, ratio: int = 7,
                 bn: str = FINE_TUNING_BN) -> Plan:
    return _semi("pseudo-label", epochs, lr, threshold, ratio, bn)
