"""AdaBN: batch-norm statistics per domain (Li et al., Revisiting Batch Normalization for Practical Domain
Adaptation, 2016). The network keeps its weights; each domain is normalized with its own running mean and variance.

`DomainStatistics` holds the running statistics of a set of batch-norm layers for each domain and puts one set
into the layers on request. Measuring them (a pass over each domain's images) is the engine's job.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch
from torch import nn


class DomainStatistics:
    """Running mean and variance of `modules`, saved per domain name ('source', 'target')."""

    def __init__(self, modules: list[nn.Module]):
        self.modules = modules
        self.saved: dict[str, list[tuple[torch.Tensor, torch.Tensor]]] = {}
        self.current: str | None = None

    def capture(self, domain: str) -> None:
        """Save the layers' current running statistics as `domain`'s."""
        self.saved[domain] = [(m.running_mean.detach().clone(), m.running_var.detach().clone()) for m in self.modules]
        self.current = domain

    @torch.no_grad()
    def use(self, domain: str) -> None:
        """Put copies of `domain`'s saved statistics into the layers.

        The buffers are replaced, not written in place: a forward pass that normalized with the previous ones may
        still need them for its backward pass, and later in-place updates must not reach the saved sets.
        """
        if domain == self.current:
            return
        for m, (mean, var) in zip(self.modules, self.saved[domain]):
            m.running_mean = mean.to(m.running_mean.device, copy=True)
            m.running_var = var.to(m.running_var.device, copy=True)
        self.current = domain

    @contextmanager
    def using(self, domain: str):
        """Within the block the layers hold `domain`'s statistics; afterwards the previous ones again."""
        previous = self.current
        self.use(domain)
        try:
            yield
        finally:
            if previous is not None:
                self.use(previous)

    def shift(self) -> float:
        """Mean absolute difference of the two domains' running means, in source standard deviations (a summary)."""
        if not {"source", "target"} <= set(self.saved) or not self.modules:
            return 0.0
        values = [((t[0] - s[0]).abs() / s[1].clamp_min(1e-12).sqrt()).mean()
                  for s, t in zip(self.saved["source"], self.saved["target"])]
        return float(torch.stack(values).mean())
