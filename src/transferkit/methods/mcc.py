"""MCC: minimum class confusion on the target's predictions (Jin et al., Minimum Class Confusion for Versatile
Domain Adaptation, ECCV 2020).

The target logits are softened by a temperature T (probabilities Y = softmax(Z / T)); each example is weighted by
1 + exp(-H(Y_i)), scaled to sum to the batch size (confident examples count more); the class confusion matrix
C = Y^T W Y (C x C) has each row divided by its sum, and the loss is the mean over classes of the confusion off the
diagonal: (sum(C) - trace(C)) / |classes|. No critic and no source term: the source batch trains through the
classification loss only. Defaults as in the paper and TLlib: T = 2.5.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..settings.constraints import Number
from .alignment import AlignmentLoss, register_alignment
from .entropy_weights import entropy_weights


def class_confusion(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """The row-normalised, certainty-weighted class confusion matrix (C, C) of logits (N, C)."""
    probabilities = F.softmax(logits.float() / temperature, dim=1)
    weights = entropy_weights(probabilities).unsqueeze(1)
    confusion = (probabilities * weights).T @ probabilities
    return confusion / confusion.sum(1, keepdim=True)


class MinimumClassConfusion(AlignmentLoss):
    """Mean off-diagonal class confusion of the target batch's predictions at temperature `temperature`."""

    uses_logits = True
    reads = "the head's outputs (logits) on target batches"
    limits = {"temperature": Number(above=0, example=2.5)}

    def __init__(self, features: int = 0, temperature: float = 2.5):
        super().__init__()
        self.temperature = temperature

    def forward(self, source: torch.Tensor, target: torch.Tensor, *, source_logits: torch.Tensor,
                target_logits: torch.Tensor) -> torch.Tensor:
        confusion = class_confusion(target_logits, self.temperature)
        return (confusion.sum() - confusion.trace()) / confusion.shape[0]


register_alignment("mcc", MinimumClassConfusion, term="MCC")
