"""Deep CORAL: align the second-order statistics of source and target features (Sun & Saenko, ECCV-W 2016)."""

from __future__ import annotations

import torch

from .alignment import AlignmentLoss, register_alignment


def covariance(x: torch.Tensor) -> torch.Tensor:
    """Unbiased covariance (D, D) of features (N, D)."""
    centred = x - x.mean(0, keepdim=True)
    return centred.T @ centred / max(x.shape[0] - 1, 1)


class CoralLoss(AlignmentLoss):
    """||C_source - C_target||_F^2 / (4 d^2), the paper's equation (1), on one batch from each domain."""

    def forward(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        d = source.shape[1]
        diff = covariance(source.float()) - covariance(target.float())
        return (diff * diff).sum() / (4.0 * d * d)


register_alignment("coral", CoralLoss, term="Deep CORAL")
