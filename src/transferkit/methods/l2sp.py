"""L2-SP: penalize the distance to the pretrained weights (Li, Grandvalet & Davoine, ICML 2018)."""

from __future__ import annotations

import torch
from torch import nn


class L2SP:
    """alpha/2 * ||w - w0||^2 over pretrained tensors that train, plus beta/2 * ||w||^2 over the new head."""

    def __init__(self, model: nn.Module, reference: dict[str, torch.Tensor], head_params: set[str],
                 alpha: float = 0.01, beta: float = 0.01):
        self.model, self.alpha, self.beta = model, alpha, beta
        self.head_params = head_params
        self.reference = reference

    def __call__(self) -> torch.Tensor:
        shared, head = [], []
        for name, param in self.model.named_parameters():
            if not param.requires_grad:
                continue
            if name in self.head_params:
                head.append(param.pow(2).sum())
            else:
                anchor = self.reference[name].to(param.device)
                shared.append((param - anchor).pow(2).sum())
        zero = next(self.model.parameters()).new_zeros(())
        return 0.5 * self.alpha * sum(shared, zero) + 0.5 * self.beta * sum(head, zero)
