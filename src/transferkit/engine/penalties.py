"""Regularization terms a phase asks for, built from the methods package."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..methods import L2SP
from ..plans import Phase


def build_penalty(phase: Phase, net, reference: dict[str, torch.Tensor]) -> Callable[[], torch.Tensor] | None:
    """A closure returning the sum of the phase's regularizers, or None when there are none."""
    terms = []
    for name, settings in phase.regularizers.items():
        if name == "l2sp":
            head = set(net.stages[-1].params)
            terms.append(L2SP(net.model, reference, head_params=head, **settings))
    if not terms:
        return None
    return lambda: sum(term() for term in terms)
