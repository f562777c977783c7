"""Turn a time budget in seconds into one epoch budget shared by every plan.

Plans are compared at equal epochs, never at equal seconds: a plan that is cheaper per epoch does not get
more epochs. The seconds per epoch are measured once, by one epoch in which every stage trains (the
costliest kind of epoch for the usual plans), so the estimate errs towards finishing early.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from ..engine import RunConfig, run_plan
from ..settings import Execution
from ..errors import RunError
from ..plans import Phase, Plan

MAX_EPOCHS = 1000


def measure_epoch_seconds(backbone, splits, *, seed: int, execution: Execution, batch_size: int = 32) -> float:
    """Seconds for one training epoch (with its validation pass) in which every stage trains."""
    plan = Plan(phases=[Phase(name="time one epoch", epochs=1, train=["all"], batch_size=batch_size)],
                strategy="calibration")
    started = time.perf_counter()
    quiet = dataclasses.replace(execution, progress=False)
    run_plan(plan, backbone, splits, RunConfig(seed=seed, execution=quiet, description="calibration"))
    return time.perf_counter() - started


def epochs_within_budget(seconds_left: float, seconds_per_epoch: float, run_epochs: Callable[[int], int],
                         budget: float) -> int:
    """The most epochs per plan whose runs (run_epochs(E) run-epochs in all) fit in `seconds_left`."""
    def fits(e: int) -> bool:
        return run_epochs(e) * seconds_per_epoch <= seconds_left

    if not fits(1):
        need = run_epochs(1) * seconds_per_epoch + (budget - seconds_left)
        raise RunError(
            f"A time budget of {budget:g} s cannot fit even 1 epoch per run (about {need:.0f} s needed); "
            f"raise --time-budget, or use fewer --seeds, strategies or learning-rate factors."
        )
    epochs = 1
    while epochs < MAX_EPOCHS and fits(epochs + 1):
        epochs += 1
    return epochs


def budget_record(budget: float, spent: float, seconds_per_epoch: float, epochs: int, run_epochs: int) -> dict[str, Any]:
    return {
        "time_budget_seconds": budget,
        "seconds_before_training": round(spent, 3),
        "seconds_per_epoch_estimate": round(seconds_per_epoch, 4),
        "estimate_method": "one epoch in which every stage trains, with its validation pass",
        "epochs": epochs,
        "run_epochs": run_epochs,
        "estimated_seconds": round(spent + run_epochs * seconds_per_epoch, 1),
    }
