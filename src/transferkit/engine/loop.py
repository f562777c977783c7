"""One training epoch. The step reads only the phase's objects, never a strategy name."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import RunError
from .processes.accelerate_compat import clear_gradients
from .processes.sums import loss_of_all, summed


class NonFiniteLossError(RunError):
    """The loss became NaN or infinite; the runner adds where the last good checkpoint is."""


@dataclass
class PartialEpoch:
    """An epoch stopped after `batches` batches (at an optimizer step): its sums so far, to continue it."""

    batches: int
    total_loss: float
    correct: int
    seen: int
    lr_start: dict[str, float]


@dataclass
class EpochStats:
    loss: float
    accuracy: float
    images: int
    lr_start: dict[str, float]
    lr_end: dict[str, float]


def group_lrs(optimizer) -> dict[str, float]:
    return {g.get("name", str(i)): float(g["lr"]) for i, g in enumerate(optimizer.param_groups)}


@dataclass(frozen=True)
class TrainingStep:
    """What every training step of a phase uses. `objective(inputs, labels)` gives a batch's logits and loss (see
    TrainingObjective); `extra_loss()` adds regularization terms; `before_step()` runs after backward and before the
    optimizer step (gradients are available there), `after_step()` after it; the optimizer steps every `accumulate` batches (and after the
    last), each batch's loss divided by `accumulate`; `phase_name` names the phase in errors."""

    objective: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
    optimizer: Any
    scheduler: Any
    accelerator: Any
    extra_loss: Callable[[], torch.Tensor] | None = None
    before_step: Callable[[], None] | None = None
    accumulate: int = 1
    phase_name: str = ""
    after_step: Callable[[], None] | None = None  # after each optimizer step (a moving average of weights)


@dataclass(frozen=True)
class EpochCourse:
    """Which batches an epoch trains on, and whom it tells. `max_batches` ends the epoch early; `resume_from`
    continues a partial epoch: its batches are drawn again (so data order and augmentation stay those of the
    interrupted epoch) but not trained on, and `after_skip()` then puts back the random state of the interruption;
    `on_batch(done, total)` reports progress after each batch; `on_step(partial)` is called after each optimizer step
    inside the epoch (for checkpoints; with several processes, each passes its own sums)."""

    max_batches: int | None = None
    resume_from: PartialEpoch | None = None
    after_skip: Callable[[], None] | None = None
    on_batch: Callable[[int, int], None] | None = None
    on_step: Callable[[PartialEpoch], None] | None = None


def train_epoch(*, loader, step: TrainingStep, course: EpochCourse = EpochCourse()) -> EpochStats:
    """Train for one pass over `loader`; stop with NonFiniteLossError on a NaN or infinite loss.

    The accuracy reported is that of the logits against each image's own label, also where mixup or CutMix trained on
    mixed targets (there it counts the mixed images). The returned loss, accuracy and images are over all processes.
    """
    optimizer, accumulate = step.optimizer, step.accumulate
    start = course.resume_from
    if start is None:
        start = PartialEpoch(batches=0, total_loss=0.0, correct=0, seen=0, lr_start=group_lrs(optimizer))
    total_loss, correct, seen = start.total_loss, start.correct, start.seen
    lr_end = start.lr_start
    total = len(loader) if course.max_batches is None else min(len(loader), course.max_batches)
    clear_gradients(optimizer)
    for done, (inputs, labels) in enumerate(loader, 1):
        if done <= start.batches:  # trained on before the interruption
            if done == start.batches and course.after_skip is not None:
                course.after_skip()
            continue
        lr_end = group_lrs(optimizer)
        logits, loss = step.objective(inputs, labels)
        labels = labels.to(logits.device)
        if step.extra_loss is not None:
            loss = loss + step.extra_loss()
        value = loss.item()
        agreed = loss_of_all(step.accelerator, value)  # every process stops on a non-finite loss of any
        if not math.isfinite(agreed):
            rates = ", ".join(f"{k}={v:.3g}" for k, v in lr_end.items())
            raise NonFiniteLossError(
                f"The loss became {agreed} in phase '{step.phase_name}' (learning rates {rates}); "
                f"lower the learning rate and run again."
            )
        step.accelerator.backward(loss / accumulate if accumulate > 1 else loss)
        if done % accumulate == 0 or done == total:
            if step.before_step is not None:
                step.before_step()
            optimizer.step()
            step.scheduler.step()
            clear_gradients(optimizer)
            if step.after_step is not None:
                step.after_step()
        n = labels.shape[0]
        total_loss += value * n
        correct += int((logits.argmax(1) == labels).sum())
        seen += n
        if course.on_batch is not None:
            course.on_batch(done, total)
        if done == total:
            break
        if course.on_step is not None and done % accumulate == 0:
            course.on_step(PartialEpoch(done, total_loss, correct, seen, start.lr_start))
    total_loss, correct, seen = summed(step.accelerator, total_loss, correct, seen)
    return EpochStats(total_loss / max(seen, 1), correct / max(seen, 1), int(seen), start.lr_start, lr_end)
