"""Overrides: settings given for a whole run that replace the plan's own in every phase."""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from ..data import AUGMENTATIONS
from ..errors import PlanError
from ..plans import Plan
from ..plans.augment_settings import AUGMENT_SETTINGS, check_augment_setting
from ..plans.phase import CLASS_WEIGHTS, SAMPLERS


@dataclass(frozen=True)
class Overrides:
    """`epochs`: total epochs, shared by the phases in the plan's proportions; `lr`, `batch_size`, `augment`,
    `class_weights`, `sampler`, `max_steps` (batches per epoch at most), `grad_accum` (batches per optimizer step) and
    timm's augmentations `randaugment` (a policy, or 'none'), `random_erasing`, `mixup` and `cutmix` (0: off) replace
    every phase's own (None: keep the plan's)."""

    epochs: int | None = None
    lr: float | None = None
    batch_size: int | None = None
    augment: str | None = None
    class_weights: str | None = None
    sampler: str | None = None
    max_steps: int | None = None
    grad_accum: int | None = None
    randaugment: str | None = None
    random_erasing: float | None = None
    mixup: float | None = None
    cutmix: float | None = None

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "max_steps", "grad_accum"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise PlanError(f"--{name.replace('_', '-')} must be a whole number of at least 1; got {value!r}.")
        lr = self.lr
        if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr)
                               or lr <= 0):
            raise PlanError(f"--lr must be a positive number such as 0.001; got {lr!r}.")
        if self.augment is not None and self.augment not in AUGMENTATIONS:
            raise PlanError(f"--augment must be one of {list(AUGMENTATIONS)}; got {self.augment!r}.")
        for name, choices in (("class_weights", CLASS_WEIGHTS), ("sampler", SAMPLERS)):
            value = getattr(self, name)
            if value is not None and value not in choices:
                raise PlanError(f"--{name.replace('_', '-')} must be one of {list(choices)}; got {value!r}.")
        for name in AUGMENT_SETTINGS:
            if getattr(self, name) is not None:
                check_augment_setting(name, getattr(self, name), f"--{name.replace('_', '-')}")

    def apply(self, plan: Plan) -> Plan:
        """The plan with these settings in place (the plan itself is left unchanged)."""
        if self.epochs is not None:
            plan = plan.with_total_epochs(self.epochs)
        changes = {k: getattr(self, k) for k in ("lr", "batch_size", "augment", "class_weights", "sampler", "max_steps",
                                                 "grad_accum", *AUGMENT_SETTINGS)
                   if getattr(self, k) is not None}
        if not changes:
            return plan
        plan = copy.deepcopy(plan)
        for phase in plan.phases:
            for key, value in changes.items():
                setattr(phase, key, value)
            phase.validate()
        return plan

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Overrides:
        known = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or set(data) - known:
            raise PlanError(f"The overrides must be a mapping of {sorted(known)}; got {data!r}.")
        return cls(**data)
