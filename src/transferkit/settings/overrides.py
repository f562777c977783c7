"""Overrides: settings given for a whole run that replace the plan's own in every phase."""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from typing import Any

from ..errors import PlanError
from . import phase_values as v
from .fields import Record, setting


@dataclass(frozen=True)
class Overrides(Record):
    """Each setting, when given, replaces every phase's own (None: keep the plan's); `epochs` is the plan's epoch budget
    (see settings/phase_values.py, EPOCH_BUDGET)."""

    error = PlanError
    kind = "override"
    panel = "Training (replaces the plan's own)"

    epochs: int | None = setting(None, v.EPOCHS, v.EPOCHS_HELP)
    lr: float | None = setting(None, v.LR, "Learning rate for every phase, replacing the plan's own (default: the "
                                           "plan's).")
    batch_size: int | None = setting(None, v.BATCH_SIZE, "Batch size for every phase (default: the plan's).")
    augment: str | None = setting(None, v.AUGMENT, "Augmentation for every phase: none, light or standard (default: "
                                                   "the plan's).")
    class_weights: str | None = setting(None, v.CLASS_WEIGHT,
                                        "balanced: weight each class's loss by n / (classes x its training count), "
                                        "for imbalanced classes; none (default: the plan's).")
    sampler: str | None = setting(None, v.SAMPLER, "balanced: draw training images class-balanced, with replacement, "
                                                   "for imbalanced classes; shuffle (default: the plan's).")
    max_steps: int | None = setting(None, v.MAX_STEPS, "End each epoch after at most N batches (a step budget for "
                                                       "long epochs).")
    grad_accum: int | None = setting(None, v.GRAD_ACCUM, "Step the optimizer every K batches on their averaged "
                                                         "gradients (an effective batch of batch size x K; default: "
                                                         "the plan's, 1).")
    randaugment: str | None = setting(None, v.RANDAUGMENT, "timm RandAugment policy for every phase, after --augment, "
                                                           "e.g. rand-m9-mstd0.5 (magnitude 9, its std 0.5); none: off "
                                                           "(default: the plan's, off).")
    random_erasing: float | None = setting(None, v.RANDOM_ERASING,
                                           "Probability that timm's random erasing replaces a random rectangle of each "
                                           "training image with noise, for every phase (0: off; default: the plan's, "
                                           "off).")
    mixup: float | None = setting(None, v.MIX_ALPHA, "Mixup alpha for every phase: timm blends each image and its "
                                                     "label with those of another image of the batch, weight drawn "
                                                     "from Beta(alpha, alpha) (0: off; default: the plan's, off).")
    cutmix: float | None = setting(None, v.MIX_ALPHA, "CutMix alpha for every phase: timm pastes a box of another "
                                                      "image of the batch into each image, labels mixed by area (0: "
                                                      "off; with --mixup, half the batches each; default: the plan's, "
                                                      "off).")
    ema: float | None = setting(None, v.EMA, "Every phase keeps an exponential moving average of its weights with "
                                             "this decay (timm's rule, with warm-up) and ends with the average's "
                                             "weights, e.g. 0.999 (default: the plan's, off).")

    def apply(self, plan: Any) -> Any:
        """The plan with these settings in place (the plan itself is left unchanged)."""
        if self.epochs is not None:
            plan = plan.with_total_epochs(self.epochs)
        changes = {f.name: getattr(self, f.name) for f in fields(self)
                   if f.name != "epochs" and getattr(self, f.name) is not None}
        if "randaugment" in changes and changes["randaugment"] == "none":
            changes["randaugment"] = None
        if not changes:
            return plan
        plan = copy.deepcopy(plan)
        for phase in plan.phases:
            for key, value in changes.items():
                setattr(phase, key, value)
            phase.validate()
        return plan
