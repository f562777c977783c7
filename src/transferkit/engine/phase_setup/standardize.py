"""Standardized head input: the head sees features scaled by their training-set mean and std, measured once at
phase start, and the scaling is folded into the head's weights at phase end (as a StandardScaler before a linear
classifier). This makes a linear probe's learning rate mean the same thing for every backbone."""

from __future__ import annotations

import torch
from torch import nn

from ...errors import PlanError

EPS = 1e-5


class HeadInputStandardizer:
    """Made with `from_features()`; `fold()` removes the hook and rewrites the head so outputs are unchanged."""

    def __init__(self, head: nn.Linear, mean: torch.Tensor, std: torch.Tensor):
        self.head, self.mean, self.std = head, mean, std
        self._hook = head.register_forward_pre_hook(self._standardize)

    def _standardize(self, _module, args):
        return ((args[0] - self.mean) / self.std, *args[1:])

    @classmethod
    @torch.no_grad()
    def from_features(cls, net, feats: torch.Tensor) -> HeadInputStandardizer:
        """Standardize with the mean and std of `feats`, the pre-logits features of the training images."""
        head = net.head_module()
        if not isinstance(head, nn.Linear) or head.bias is None:
            raise PlanError("standardize_features needs a linear head with a bias; set it to false for this backbone.")
        mean = feats.mean(0)
        std = (feats.var(0, unbiased=False) + EPS).sqrt()
        return cls(head, mean, std)

    @torch.no_grad()
    def folded(self) -> tuple[torch.Tensor, torch.Tensor]:
        """W' = W / std, b' = b - W' @ mean: the plain head's weight and bias that compute what the standardized
        head computes now."""
        weight = self.head.weight / self.std.to(self.head.weight.dtype)
        return weight, self.head.bias - weight @ self.mean.to(weight.dtype)

    def folded_state(self, model: nn.Module) -> dict[str, torch.Tensor]:
        """{state-dict name: tensor on the CPU} of the folded head's weight and bias within `model`."""
        names = {id(t): k for k, t in model.state_dict(keep_vars=True).items()}
        weight, bias = self.folded()
        return {names[id(self.head.weight)]: weight.cpu(), names[id(self.head.bias)]: bias.cpu()}

    @torch.no_grad()
    def fold(self) -> None:
        """Rewrite the head with its folded weight and bias, and stop standardizing its input."""
        self._hook.remove()
        weight, bias = self.folded()
        self.head.weight.copy_(weight)
        self.head.bias.copy_(bias)
