"""Standardized head input: the head sees features scaled by their training-set mean and std, measured once at
phase start, and the scaling is folded into the head's weights at phase end (as a StandardScaler before a linear
classifier). This makes a linear probe's learning rate mean the same thing for every backbone. The mean and std are
scikit-learn's StandardScaler's (float64, population std, a constant feature's std taken as 1), kept in float64 on
the CPU; the head sees them in its own dtype and device."""

from __future__ import annotations

import torch
from torch import nn

from ...errors import PlanError
from ..finite_features import require_finite


class HeadInputStandardizer:
    """Made with `from_features()`; `fold()` removes the hook and rewrites the head so outputs are unchanged."""

    def __init__(self, head: nn.Linear, mean: torch.Tensor, std: torch.Tensor):
        self.head, self.mean, self.std = head, mean.double().cpu(), std.double().cpu()
        self._as_head_input = tuple(t.to(head.weight.device, head.weight.dtype) for t in (self.mean, self.std))
        self._hook = head.register_forward_pre_hook(self._standardize)

    def _standardize(self, _module, args):
        mean, std = self._as_head_input
        return ((args[0] - mean) / std, *args[1:])

    @classmethod
    @torch.no_grad()
    def from_features(cls, net, feats: torch.Tensor) -> HeadInputStandardizer:
        """Standardize with the mean and std of `feats`, the pre-logits features of the training images."""
        head = net.head_module()
        if not isinstance(head, nn.Linear) or head.bias is None:
            raise PlanError("standardize_features needs a linear head with a bias; set it to false for this backbone.")
        require_finite(feats)
        return cls(head, *standard_scale(feats))

    @torch.no_grad()
    def folded(self) -> tuple[torch.Tensor, torch.Tensor]:
        """W' = W / std, b' = b - W' @ mean: the plain head's weight and bias that compute what the standardized
        head computes now."""
        weight, bias = self.head.weight, self.head.bias
        folded = weight.detach().cpu().double() / self.std  # on the CPU: not every device has float64
        shifted = bias.detach().cpu().double() - folded @ self.mean
        return folded.to(weight.device, weight.dtype), shifted.to(bias.device, bias.dtype)

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


def standard_scale(feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean, std) in float64 on the CPU from scikit-learn's StandardScaler: the population std, and 1 for a feature
    that is constant up to rounding."""
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(feats.detach().cpu().double().numpy())
    return torch.from_numpy(scaler.mean_), torch.from_numpy(scaler.scale_)
