"""Numbers that every process of a data-parallel run must agree on, summed over the processes."""

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
