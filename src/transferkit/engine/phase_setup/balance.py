"""Imbalanced classes: class weights for the loss, from the training labels (the class-balanced sampler is in
epoch_sampler.py)."""

from __future__ import annotations

import torch


def balanced_class_weights(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """n / (classes x count) per class (scikit-learn's 'balanced'); a class without training images gets 0.

    Written here because scikit-learn's `compute_class_weight` refuses a class without training images."""
    counts = torch.bincount(labels.long(), minlength=num_classes).double()
    present = int((counts > 0).sum())
    weights = torch.where(counts > 0, counts.sum() / (present * counts.clamp(min=1)), torch.zeros_like(counts))
    return weights.float()

