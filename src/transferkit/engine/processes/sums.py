"""Numbers that every process of a data-parallel run must agree on: sums, losses and gradients over the processes."""

from __future__ import annotations

import math

import torch


def summed(accelerator, *values: float) -> list[float]:
    """`values` summed over all processes, the same on every process (as they are with one process)."""
    if accelerator.num_processes == 1:
        return list(values)
    sums = accelerator.reduce(torch.tensor(values, dtype=torch.float64, device=accelerator.device), reduction="sum")
    return [float(s) for s in sums]


def loss_of_all(accelerator, value: float) -> float:
    """This process's loss `value` if every process's is finite, else a non-finite one (so that all stop together)."""
    total = summed(accelerator, value)[0]
    return total if math.isfinite(value) and not math.isfinite(total) else value


@torch.no_grad()
def average_gradients(module: torch.nn.Module, processes: int) -> None:
    """Each gradient of `module` replaced by its mean over the processes, as a data-parallel wrapper does in
    backward (for training that calls the wrapped network's parts directly)."""
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    torch.distributed.all_reduce(flat)
    flat /= processes
    for g, mean in zip(grads, flat.split([g.numel() for g in grads])):
        g.copy_(mean.view_as(g))
