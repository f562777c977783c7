"""Imbalanced classes in the training split: how imbalanced, and a warning that suggests the remedies."""

from __future__ import annotations

from typing import Any

import torch

from ..console import logger
from ..data import DataSplits
from ..plans import Plan

IMBALANCE_RATIO = 5.0  # largest / smallest training class above this: warn


def class_imbalance(splits: DataSplits) -> dict[str, Any] | None:
    """{'largest', 'smallest' (class names), 'ratio' of their training counts, 'imbalanced'}; None without training
    images in some class."""
    counts = torch.bincount(splits.train.labels, minlength=len(splits.classes)).tolist()
    if not counts or min(counts) == 0:
        return None
    largest = max(range(len(counts)), key=counts.__getitem__)
    smallest = min(range(len(counts)), key=counts.__getitem__)
    ratio = counts[largest] / counts[smallest]
    return {"largest": splits.classes[largest], "smallest": splits.classes[smallest], "ratio": round(ratio, 3),
            "imbalanced": ratio > IMBALANCE_RATIO, "threshold": IMBALANCE_RATIO}


def warn_if_imbalanced(splits: DataSplits, plans: list[Plan]) -> dict[str, Any] | None:
    """Log one warning when the training split is imbalanced and no phase of `plans` counters it; return the record."""
    found = class_imbalance(splits)
    countered = all(any(p.class_weights != "none" or p.sampler != "shuffle" for p in plan.phases) for plan in plans)
    if found is not None and found["imbalanced"] and not countered:
        logger.warning("The training split is imbalanced: class '%s' has %.1f times the images of class '%s' (above "
                       "%g); consider --class-weights balanced or --sampler balanced, and --metric balanced-accuracy "
                       "in compare.", found["largest"], found["ratio"], found["smallest"], IMBALANCE_RATIO)
    return found
