"""The check before anything is fitted to a network's features: every value finite."""

from __future__ import annotations

import torch

from ..errors import RunError


def require_finite(feats: torch.Tensor) -> None:
    """Stop with a one-line RunError when a training image's features hold NaN or infinity."""
    bad = int((~torch.isfinite(feats)).flatten(1).any(1).sum())
    if bad:
        raise RunError(f"The network's features of {bad} of {len(feats)} training images are NaN or infinite (its "
                       "activations overflow); check the network's weights, or train without mixed precision.")
