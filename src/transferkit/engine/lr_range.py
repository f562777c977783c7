"""The learning-rate range test (Smith, "Cyclical Learning Rates", WACV 2017; fastai's `lr_find`).

One phase of a plan is set up exactly as a run sets it up (trainable set, parameter groups, batch-norm policy,
feature cache) on a private copy of the backbone. Then, one training batch per step, every group's learning rate is
its planned rate times a factor that grows exponentially from `start` to `end`, and the training loss is recorded.
The chosen factor is where the smoothed loss falls fastest against log(learning rate) (steepest descent), before the
loss minimum: a rate that still learns quickly and lies safely below the one where training blows up. Only
training images are read; validation plays no part.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..data import DataSplits
from ..errors import RunError
from ..plans import Plan
from ..settings import Execution
from .feature_cache import FeatureCache
from .inputs import ImageInputs
from .phase_exec import PhaseExecution, RunContext
from .phase_setup import set_modes
from .processes import clear_gradients, make_accelerator, summed
from .runner import prepare_network
from .seeding import derive_seed, use_deterministic_algorithms

STEPS, START, END = 100, 1e-3, 1e2  # factors of the planned learning rates
SMOOTHING = 0.9  # exponential moving average of the loss, bias-corrected
DIVERGED = 4.0  # stop when the smoothed loss exceeds this many times its minimum
RULE = ("steepest descent: the factor where the smoothed training loss falls fastest against log10(learning rate), "
        "among the steps before the smoothed loss is lowest (the first 10% of steps skipped)")


@dataclass(frozen=True)
class RangeSweep:
    """The factors of the planned learning rates that a range test tries: `steps` of them, growing exponentially from
    `start` to `end`."""

    steps: int = STEPS
    start: float = START
    end: float = END


def busiest_phase(plan: Plan, backbone) -> int:
    """The index of the phase that trains the most: the most parameters in its trainable stages, then the most
    epochs, then the earliest."""
    counts = backbone.param_counts()

    def key(item):
        index, rp = item
        return (sum(counts[s] for s in rp.trainable_stages), rp.phase.epochs, -index)

    return max(enumerate(plan.resolve(backbone.stage_names)), key=key)[0]


def suggest(factors: list[float], smoothed: list[float]) -> int:
    """The index of the steepest descent of `smoothed` against log10(factor), before its minimum."""
    if len(factors) < 3:
        return 0
    lowest = int(np.argmin(smoothed))
    skip = max(1, len(factors) // 10)
    end = max(lowest, skip + 2)
    slopes = np.gradient(np.asarray(smoothed[:end + 1]), np.log10(np.asarray(factors[:end + 1])))
    return skip + int(np.argmin(slopes[skip:end]))


def lr_range_test(plan: Plan, backbone, data: DataSplits, *, seed: int = 0, execution: Execution | None = None,
                  sweep: RangeSweep = RangeSweep()) -> dict[str, Any]:
    """Run the range test on the plan's busiest phase; return the curve and the chosen factor (see RULE)."""
    execution = execution or Execution()
    steps, start, end = sweep.steps, sweep.start, sweep.end
    if steps < 3 or not 0 < start < end:
        raise RunError(f"A learning-rate range test needs at least 3 steps and 0 < start < end; got {steps}, "
                       f"{start}, {end}.")
    started = time.perf_counter()
    net = prepare_network(plan, backbone, len(data.classes), seed)
    index = busiest_phase(plan, net)
    rp = plan.resolve(net.stage_names)[index]
    accelerator = make_accelerator(execution.device, execution.precision)
    model = accelerator.prepare_model(net.model)
    use_deterministic_algorithms(accelerator.device)
    reference = {k: v.detach().clone() for k, v in net.model.state_dict().items()}
    inputs = ImageInputs(net, model, data, accelerator)
    phase = PhaseExecution(rp, RunContext(inputs, reference, seed, eval_every=0,
                                          feature_cache=FeatureCache(execution.cache, seed, accelerator)))
    phase.setup()
    if phase.domain is not None:
        raise RunError("The learning-rate range test does not support domain adaptation (--source); "
                       "use --lr-search grid.")
    optimizer = phase.optimizer
    planned = [group["lr"] for group in optimizer.param_groups]
    torch.manual_seed(derive_seed(seed, "lr range test"))
    set_modes(net, rp)
    phase.inputs.set_epoch(0)
    factors, losses, smoothed = [], [], []
    average, batches = 0.0, iter(phase.loader)
    for step in range(steps):
        factor = start * (end / start) ** (step / (steps - 1))
        for group, lr in zip(optimizer.param_groups, planned):
            group["lr"] = lr * factor
        try:
            images, labels = next(batches)
        except StopIteration:
            batches = iter(phase.loader)
            images, labels = next(batches)
        loss = phase.objective(images, labels)[1]
        value = summed(accelerator, float(loss.item()))[0] / accelerator.num_processes  # the same on every process
        if not math.isfinite(value):
            break
        clear_gradients(optimizer)
        accelerator.backward(loss)
        if phase.inputs.before_step is not None:  # (cached activations with several processes)
            phase.inputs.before_step()
        optimizer.step()
        average = SMOOTHING * average + (1 - SMOOTHING) * value
        factors.append(factor)
        losses.append(value)
        smoothed.append(average / (1 - SMOOTHING ** (step + 1)))
        if smoothed[-1] > DIVERGED * min(smoothed):
            break
    if len(factors) < 3:
        raise RunError(f"The learning-rate range test of '{plan.strategy}' diverged within {len(factors)} steps; "
                       "use --lr-search grid.")
    chosen = suggest(factors, smoothed)
    return {
        "phase": rp.phase.name, "phase_index": index, "planned_lr": rp.phase.lr, "steps": len(factors),
        "start_factor": start, "end_factor": end, "smoothing": SMOOTHING, "rule": RULE,
        "curve": [{"factor": round(f, 8), "lr": round(f * rp.phase.lr, 10), "loss": round(v, 6),
                   "smoothed": round(s, 6)} for f, v, s in zip(factors, losses, smoothed)],
        "chosen_factor": factors[chosen], "chosen_lr": factors[chosen] * rp.phase.lr,
        "seconds": round(time.perf_counter() - started, 3),
    }
