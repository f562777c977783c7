"""Weights of examples by the certainty of their predictions, as MCC and CDAN+E use them."""

from __future__ import annotations

import torch


def prediction_entropy(probabilities: torch.Tensor) -> torch.Tensor:
    """The entropy (N,) of each row of class probabilities (N, C); 1e-5 keeps log finite at 0."""
    return -(probabilities * torch.log(probabilities + 1e-5)).sum(1)


def entropy_weights(probabilities: torch.Tensor) -> torch.Tensor:
    """1 + exp(-entropy) per example (N,), scaled to sum to N: confident predictions weigh more. No gradient."""
    weights = 1.0 + torch.exp(-prediction_entropy(probabilities.detach()))
    return len(weights) * weights / weights.sum()
