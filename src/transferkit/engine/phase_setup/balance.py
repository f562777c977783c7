"""Imbalanced classes: class weights for the loss and a class-balanced sampler, from the training labels."""

from __future__ import annotations

import torch
from torch.utils.data import WeightedRandomSampler


def balanced_class_weights(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """n / (classes x count) per class (scikit-learn's 'balanced'); a class without training images gets 0.

    Written here because scikit-learn's `compute_class_weight` refuses a class without training images."""
    counts = torch.bincount(labels.long(), minlength=num_classes).double()
    present = int((counts > 0).sum())
    weights = torch.where(counts > 0, counts.sum() / (present * counts.clamp(min=1)), torch.zeros_like(counts))
    return weights.float()


def balanced_sampler(labels: torch.Tensor) -> WeightedRandomSampler:
    """Draws len(labels) images per epoch with replacement, every class equally likely (from torch's global RNG,
    which each epoch seeds)."""
    counts = torch.bincount(labels.long()).double()
    return WeightedRandomSampler((1.0 / counts[labels.long()]).tolist(), num_samples=len(labels), replacement=True)
