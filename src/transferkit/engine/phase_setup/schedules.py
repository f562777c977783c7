"""The phase's torch learning-rate scheduler, from the schedule table of plans/schedules.py."""

from __future__ import annotations

import torch

from ...plans import ResolvedPhase
from ...plans.schedules import SCHEDULES, lr_factor

__all__ = ["SCHEDULES", "build_scheduler", "lr_factor"]


def build_scheduler(optimizer: torch.optim.Optimizer, phase: ResolvedPhase, total_steps: int, processes: int = 1):
    """The phase's schedule over `total_steps` optimizer steps. Accelerate steps a prepared schedule once per process
    at each optimizer step, so it counts `processes` steps as one: a data-parallel run follows the schedule of one
    process that takes the global batch."""
    p = phase.phase
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(p.schedule, step // processes, total_steps, p.warmup)
    )
