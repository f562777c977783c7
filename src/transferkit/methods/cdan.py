"""CDAN: conditional adversarial domain adaptation (Long et al., Conditional Adversarial Domain Adaptation,
NeurIPS 2018).

As DANN, a critic learns to tell source from target and the network gets its gradient reversed with DANN's lambda
schedule; but the critic sees the multilinear map of the features f (D) and the softmax predictions g (C, no
gradient): the outer product g f^T flattened (C x D), or, when C x D is above 4096 (the paper's rule), the randomized
map (R_f f) * (R_g g) / sqrt(d) with fixed Gaussian matrices R_f (D, d) and R_g (C, d), d = `randomized_dim`.
`entropy` (CDAN+E) weights each example by 1 + exp(-H(g)), scaled to sum to the batch size. The critic is DANN's,
with TLlib's hidden width 1024.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .alignment import register_alignment
from .dann import DANNLoss, reverse_gradient
from .entropy_weights import entropy_weights

MULTILINEAR_MAX = 4096  # above this many products, the randomized map


def multilinear_map(features: torch.Tensor, predictions: torch.Tensor) -> torch.Tensor:
    """(N, D) and (N, C) -> (N, C * D): each example's outer product g f^T, flattened."""
    return torch.bmm(predictions.unsqueeze(2), features.unsqueeze(1)).flatten(1)


def randomized_map(features: torch.Tensor, predictions: torch.Tensor, rf: torch.Tensor,
                   rg: torch.Tensor) -> torch.Tensor:
    """(N, D) and (N, C) -> (N, d): (f R_f) * (g R_g) / sqrt(d), with R_f (D, d) and R_g (C, d)."""
    return (features @ rf) * (predictions @ rg) / math.sqrt(rf.shape[1])


class ConditionalAdversarialLoss(DANNLoss):
    """Binary cross-entropy of the critic on the reversed multilinear map of source (label 0) and target (label 1)
    features and predictions; weighted by prediction certainty with `entropy`."""

    uses_logits = True

    def __init__(self, features: int, classes: int = 0, hidden: int = 1024, gamma: float = 10.0,
                 entropy: bool = False, randomized_dim: int = 1024):
        randomized = features * classes > MULTILINEAR_MAX
        super().__init__(randomized_dim if randomized else features * classes, hidden, gamma)
        self.randomized, self.entropy = randomized, entropy
        if self.randomized:
            self.register_buffer("rf", torch.randn(features, randomized_dim))
            self.register_buffer("rg", torch.randn(classes, randomized_dim))
        kind = f"randomized multilinear map ({randomized_dim})" if self.randomized else \
            f"multilinear map ({classes} x {features})"
        self.reads = f"the head's input (pooled pre-logits) and softmax outputs, {kind}"

    def conditioned(self, features: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """The critic's input for features (N, D) and logits (N, C)."""
        predictions = F.softmax(logits.float(), dim=1).detach()
        if self.randomized:
            return randomized_map(features.float(), predictions, self.rf, self.rg)
        return multilinear_map(features.float(), predictions)

    def forward(self, source: torch.Tensor, target: torch.Tensor, *, source_logits: torch.Tensor,
                target_logits: torch.Tensor) -> torch.Tensor:
        logits = torch.cat([source_logits, target_logits])
        x = reverse_gradient(self.conditioned(torch.cat([source, target]), logits), self.scale)
        scores = self.critic(x)
        labels = torch.cat([torch.zeros(len(source)), torch.ones(len(target))]).to(scores.device)
        self.last_accuracy = float(((scores.detach() > 0).float() == labels).float().mean())
        weights = entropy_weights(F.softmax(logits.float(), dim=1)) if self.entropy else None
        return F.binary_cross_entropy_with_logits(scores, labels, weight=weights)


register_alignment("cdan", ConditionalAdversarialLoss, term="CDAN", critic=True)
