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

    def _sums(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(||w - w0||^2 over trainable pretrained tensors, ||w||^2 over trainable head tensors)."""
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
        return sum(shared, zero), sum(head, zero)

    def __call__(self) -> torch.Tensor:
        shared, head = self._sums()
        return 0.5 * self.alpha * shared + 0.5 * self.beta * head

    @torch.no_grad()
    def components(self) -> dict[str, float]:
        """The two terms as numbers: `anchor` (alpha part, zero at the pretrained weights) and `head` (beta part)."""
        shared, head = self._sums()
        anchor, head_term = 0.5 * self.alpha * float(shared), 0.5 * self.beta * float(head)
        return {"anchor": anchor, "head": head_term, "total": anchor + head_term}
