"""Learning-rate schedules: one table from a schedule's name to its factor of the planned learning rate at each
optimizer step (pure functions; the engine wraps them in a torch scheduler). A phase's `schedule` is one of its names."""

from __future__ import annotations

import math
from collections.abc import Callable


def cosine(step: int, total: int, warm: int) -> float:
    """Linear warm-up over `warm` steps, then cosine down to zero at the end."""
    if step < warm:
        return (step + 1) / warm
    t = (step - warm) / max(total - warm, 1)
    return 0.5 * (1 + math.cos(math.pi * t))


def one_cycle(step: int, total: int, warm: int) -> float:
    """fastai's and Smith's one-cycle: cosine up from lr/25 over the warm-up, cosine down to lr/1e5."""
    warm = max(warm, 1)
    if step < warm:
        t = step / warm
        return 1 / 25 + (1 - 1 / 25) * (1 - math.cos(math.pi * t)) / 2
    t = (step - warm) / max(total - warm, 1)
    return 1e-5 + (1 - 1e-5) * (1 + math.cos(math.pi * t)) / 2


def constant(step: int, total: int, warm: int) -> float:
    """Linear warm-up over `warm` steps, then the planned rate."""
    return (step + 1) / warm if step < warm else 1.0


# name -> factor(step, total steps, warm-up steps) of the planned learning rate, step 0-based
SCHEDULES: dict[str, Callable[[int, int, int], float]] = {"cosine": cosine, "onecycle": one_cycle, "constant": constant}


def lr_factor(schedule: str, step: int, total: int, warmup: float) -> float:
    """Multiplier of the base learning rate at `step` (0-based) of `total` steps, `warmup` of them (a fraction)
    warming up."""
    total = max(total, 1)
    return SCHEDULES[schedule](step, total, int(round(warmup * total)))
