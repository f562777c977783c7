"""DANN: domain-adversarial training with a gradient reversal layer (Ganin et al., JMLR 2016).

A small critic learns to tell source from target features; the features receive its gradient reversed and scaled
by lambda, so they learn to make the domains indistinguishable. lambda follows the paper's schedule
lambda_p = 2 / (1 + exp(-10 p)) - 1, where p goes from 0 to 1 over the phase (section 5.2.2). The critic is the
paper's small network for the feature-level setting: Linear(D, H), ReLU, dropout 0.5, Linear(H, H), ReLU,
dropout 0.5, Linear(H, 1).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .alignment import AlignmentLoss, register_alignment


class _ReverseGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return -ctx.scale * grad, None


def reverse_gradient(x: torch.Tensor, scale: float) -> torch.Tensor:
    """Identity forward; the gradient is multiplied by -scale on the way back."""
    return _ReverseGradient.apply(x, scale)


def dann_lambda(progress: float, gamma: float = 10.0) -> float:
    """2 / (1 + exp(-gamma p)) - 1: 0 at the start of training, close to 1 at the end."""
    return 2.0 / (1.0 + math.exp(-gamma * min(max(progress, 0.0), 1.0))) - 1.0


class DomainCritic(nn.Module):
    """Predicts the logit of 'target' from a feature vector."""

    def __init__(self, features: int, hidden: int = 256, dropout: float = 0.5):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


class DANNLoss(AlignmentLoss):
    """Binary cross-entropy of the critic on reversed source (label 0) and target (label 1) features.

    Returns the loss; `last_accuracy` holds the critic's accuracy on the last pair of batches (for the record).
    The reversal scale follows `dann_lambda` with `gamma` over the phase.
    """

    def __init__(self, features: int, hidden: int = 256, gamma: float = 10.0):
        super().__init__()
        self.critic = DomainCritic(features, hidden)
        self.gamma = gamma
        self.scale = 0.0
        self.last_accuracy = float("nan")

    def progress(self, fraction: float) -> None:
        self.scale = dann_lambda(fraction, self.gamma)

    def epoch_record(self) -> dict:
        return {"lambda": self.scale, "critic_accuracy_last_batch": self.last_accuracy}

    def critic_layers(self) -> str:
        return str(self.critic.net)

    def forward(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        x = reverse_gradient(torch.cat([source, target]).float(), self.scale)
        logits = self.critic(x)
        labels = torch.cat([torch.zeros(len(source)), torch.ones(len(target))]).to(logits.device)
        self.last_accuracy = float(((logits.detach() > 0).float() == labels).float().mean())
        return F.binary_cross_entropy_with_logits(logits, labels)


register_alignment("dann", DANNLoss, term="DANN", critic=True)
