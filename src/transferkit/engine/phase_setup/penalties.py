"""Regularization terms a phase asks for, built from the methods package."""

from __future__ import annotations

import torch

from ...methods import L2SP
from ...plans import Phase


class Penalty:
    """The sum of a phase's regularizers; `values()` reports each one's terms as numbers for the record."""

    def __init__(self, terms: dict[str, L2SP]):
        self.terms = terms

    def __call__(self) -> torch.Tensor:
        return sum(term() for term in self.terms.values())

    def values(self) -> dict[str, dict[str, float]]:
        return {name: term.components() for name, term in self.terms.items()}


def build_penalty(phase: Phase, net, reference: dict[str, torch.Tensor]) -> Penalty | None:
    """The phase's regularizers, or None when there are none."""
    terms = {}
    for name, settings in phase.regularizers.items():
        if name == "l2sp":
            head = set(net.stages[-1].params)
            terms[name] = L2SP(net.model, reference, head_params=head, **settings)
    return Penalty(terms) if terms else None
