"""One training epoch. The step reads only the phase's objects, never a strategy name."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

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


def train_epoch(
    *,
    objective: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
    loader,
    optimizer,
    scheduler,
    accelerator,
    extra_loss: Callable[[], torch.Tensor] | None = None,
    before_step: Callable[[], None] | None = None,
    phase_name: str = "",
    on_batch: Callable[[int, int], None] | None = None,
    max_batches: int | None = None,
    accumulate: int = 1,
    resume_from: PartialEpoch | None = None,
    after_skip: Callable[[], None] | None = None,
    on_step: Callable[[PartialEpoch], None] | None = None,
) -> EpochStats:
    """Train for one pass over `loader`; stop with RunError on a NaN or infinite loss.

    `objective(inputs, labels)` gives a batch's logits and loss (see TrainingObjective); the accuracy reported is
    that of the logits against each image's own label, also where mixup or CutMix trained on mixed targets (there
    it counts the mixed images). `extra_loss()` adds regularization terms; `before_step()`
    runs after backward and before the optimizer step (gradients are available there); `on_batch(done, total)`
    reports progress after each batch; `max_batches` ends the epoch early; the optimizer steps every `accumulate`
    batches (and after the last), each batch's loss divided by `accumulate`. `resume_from` continues a partial epoch:
    its batches are drawn again (so data order and augmentation stay those of the interrupted epoch) but not
    trained on, and `after_skip()` then puts back the random state of the interruption; `on_step(partial)` is called
    after each optimizer step inside the epoch (for checkpoints; with several processes, each passes its own sums).
    The returned loss, accuracy and images are over all processes.
    """
    skip = resume_from.batches if resume_from is not None else 0
    total_loss, correct, seen = (0.0, 0, 0) if resume_from is None else \
        (resume_from.total_loss, resume_from.correct, resume_from.seen)
    lr_start = group_lrs(optimizer) if resume_from is None else resume_from.lr_start
    lr_end = lr_start
    total = len(loader) if max_batches is None else min(len(loader), max_batches)
    clear_gradients(optimizer)
    for done, (inputs, labels) in enumerate(loader, 1):
        if done <= skip:
            if done == skip and after_skip is not None:
                after_skip()
            continue
        lr_end = group_lrs(optimizer)
        logits, loss = objective(inputs, labels)
        labels = labels.to(logits.device)
        if extra_loss is not None:
            loss = loss + extra_loss()
        value = loss.item()
        agreed = loss_of_all(accelerator, value)  # every process stops on a non-finite loss of any
        if not math.isfinite(agreed):
            rates = ", ".join(f"{k}={v:.3g}" for k, v in lr_end.items())
            raise NonFiniteLossError(
                f"The loss became {agreed} in phase '{phase_name}' (learning rates {rates}); "
                f"lower the learning rate and run again."
            )
        accelerator.backward(loss / accumulate if accumulate > 1 else loss)
        if done % accumulate == 0 or done == total:
            if before_step is not None:
                before_step()
            optimizer.step()
            scheduler.step()
            clear_gradients(optimizer)
        n = labels.shape[0]
        total_loss += value * n
        correct += int((logits.argmax(1) == labels).sum())
        seen += n
        if on_batch is not None:
            on_batch(done, total)
        if done == total:
            break
        if on_step is not None and done % accumulate == 0:
            on_step(PartialEpoch(done, total_loss, correct, seen, lr_start))
    total_loss, correct, seen = summed(accelerator, total_loss, correct, seen)
    return EpochStats(total_loss / max(seen, 1), correct / max(seen, 1), int(seen), lr_start, lr_end)

