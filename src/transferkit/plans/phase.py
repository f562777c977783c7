"""Phase: one stretch of training with one fixed choice of what learns, how fast, and how batch norm behaves."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ..errors import PlanError
from ..settings import Record, setting, written_in
from ..settings.fields import location, surface
from ..settings import phase_values as v
from ..settings.choices import OPTIMIZERS, PARAM_FILTERS
from ..settings.constraints import Flag, Number, OneOf, Text
from .numbers import phase_numbers
from .schedules import SCHEDULES
from .phase_constraints import (Adapter, Alignment, BatchNormPolicy, MixingWeight, Regularizers, StageList,
                                StageNumbers)


@dataclass
class Phase(Record):
    """What trains, and how, for `epochs` epochs (each setting's help says what it does).

    Stages are named `stem`, `stage1` ... `stageN`, `head`. The learning rate of a stage is `lr` times
    `lr_scale[stage]` (default 1), times `lr_decay ** (distance below the head)` when `lr_decay` is set, or spread
    geometrically from `lr / lr_spread` (stem) to `lr` (head) when `lr_spread` is set.
    """

    error = PlanError
    kind = "phase"

    name: str = setting("train", Text(example="probe"), "The phase's name, as the record and the report show it.")
    epochs: int = setting(10, v.EPOCHS, "Epochs of this phase.")
    fixed_epochs: bool = setting(False, Flag(), "Train these epochs on top of an epoch budget (--epochs, a "
                                                "comparison's epochs), which the plan's other phases share (a head "
                                                "trained to convergence before fine-tuning, as LP-FT and the Keras "
                                                "guide prescribe); run.json and the leaderboard count both.")
    train: list[str] = setting(["all"], StageList(), "The stages that learn: names, all, or top:K (the K stages just "
                                                     "below the head, and the head; K counts the stages above the "
                                                     "stem, as the term does).")
    params: str = setting("all", OneOf(PARAM_FILTERS), "Which parameters of the trained non-head stages learn: all, "
                                                       "bias (BitFit), norm (normalization affine only) or lora "
                                                       "(low-rank adapters from `adapter`).")
    lr: float = setting(1e-3, v.LR, "Peak learning rate of the head (and of every stage, unless scaled).")
    lr_scale: dict[str, float] = setting({}, StageNumbers(), "Per-stage factors of the learning rate (default 1).")
    lr_decay: float | None = setting(None, Number(above=0, example=0.7),
                                     "Layer-wise decay: each stage's rate is the head's times lr_decay per stage "
                                     "below it.")
    lr_spread: float | None = setting(None, Number(min=1, example=100),
                                      "Discriminative rates spread geometrically from lr / lr_spread (stem) to lr "
                                      "(head).")
    auto_rgn: bool = setting(False, Flag(), "Scale each tensor's learning rate by its relative gradient norm "
                                            "(Auto-RGN).")
    bn: str | dict[str, str] = setting("auto", BatchNormPolicy(),
                                       "Batch norm: auto (trained stages train, frozen ones frozen), frozen, train or "
                                       "adapt (re-estimated at the phase start, then frozen), for every stage or as a "
                                       "mapping stage -> policy.")
    fit: str = setting("sgd", OneOf(("sgd", "lbfgs")), "How a head-only phase learns: sgd (the optimizer, epochs and "
                                                        "schedule below) or lbfgs (logistic regression fitted to "
                                                        "convergence on the cached features, its L2 strength chosen on "
                                                        "validation; where the features are not cached, sgd).")
    optimizer: str = setting("adamw", OneOf(OPTIMIZERS), "The optimizer: adamw or sgd.")
    weight_decay: float = setting(0.05, Number(min=0, example=0.05), "Weight decay.")
    momentum: float = setting(0.9, Number(min=0, below=1, example=0.9), "SGD momentum.")
    schedule: str = setting("cosine", OneOf(tuple(SCHEDULES)), "The learning-rate schedule over the phase.")
    warmup: float = setting(0.1, Number(min=0, below=1, example=0.1), "Linear warm-up, as a fraction of the phase.")
    batch_size: int = setting(32, v.BATCH_SIZE, "Images per batch.")
    max_steps: int | None = setting(None, v.MAX_STEPS, "An epoch ends after at most this many batches (a step budget "
                                                       "for long epochs; the schedule spans the shortened epochs).")
    grad_accum: int = setting(1, v.GRAD_ACCUM, "The optimizer steps once every that many batches, on their averaged "
                                               "gradients (an effective batch of batch_size x grad_accum).")
    augment: str = setting("none", v.AUGMENT, "Augmentation preset: none, light or standard.")
    randaugment: str | None = setting(None, v.RANDAUGMENT, "timm RandAugment policy after the augmentation preset, "
                                                           "e.g. rand-m9-mstd0.5 (none: off).")
    random_erasing: float = setting(0.0, v.RANDOM_ERASING, "Probability of timm's random erasing per image (on the "
                                                           "normalized batch).")
    mixup: float = setting(0.0, v.MIX_ALPHA, "Mixup alpha (0: off); the loss is then soft-target cross-entropy.")
    cutmix: float = setting(0.0, v.MIX_ALPHA, "CutMix alpha (0: off); with mixup, half the batches each.")
    label_smoothing: float = setting(0.0, Number(min=0, below=1, example=0.1), "Label smoothing of the loss.")
    class_weights: str = setting("none", v.CLASS_WEIGHT, "balanced: each class's loss weighted by n / (classes x its "
                                                         "training count).")
    sampler: str = setting("shuffle", v.SAMPLER, "balanced: each epoch's images drawn with replacement so that every "
                                                 "class is equally likely.")
    standardize_features: bool = setting(False, Flag(), "The head reads features standardized with their training-set "
                                                        "mean and std (folded into its weights at the phase end).")
    ema: float | None = setting(None, v.EMA, "Keep an exponential moving average of the weights with this decay "
                                             "(timm's ModelEmaV3 rule); the phase validates, keeps and ends with the "
                                             "average's weights (none: off; 0: the live weights).")
    ema_warmup: bool = setting(True, Flag(), "Warm the average's decay up as timm does: min(ema, 1 - (1 + step) ** "
                                             "-2/3), so early steps follow the live weights.")
    wise: float | str | None = setting(None, MixingWeight(), "WiSE-FT at the phase's end: its weights mixed with those it "
                                                     "started from, (1 - alpha) start + alpha end; alpha from 0 to 1, "
                                                     "or auto (chosen on validation from 0, 0.1 .. 1); none: off.")
    wise_bn: str = setting("interpolate", v.WISE_BN, "Batch-norm statistics of the WiSE-FT mix: interpolate (mixed "
                                                     "like the weights) or reestimate (measured again on the training "
                                                     "images).")
    semi_supervised: str = setting("none", v.SEMI_SUPERVISED,
                                   "Also learn from unlabelled images of the target (--unlabeled without --source): "
                                   "fixmatch (pseudo-labels of weak views train strong views) or pseudo-label (they "
                                   "train the weak views); none: off.")
    threshold: float = setting(0.95, v.THRESHOLD, "An unlabelled image trains only when its highest class probability "
                                                  "(on its weak view) is at least this.")
    unlabeled_ratio: int = setting(7, v.UNLABELED_RATIO, "Unlabelled images drawn per labelled image of a batch (mu); "
                                                         "an epoch is one pass over the unlabelled images.")
    unlabeled_weight: float = setting(1.0, v.UNLABELED_WEIGHT, "Weight of the unlabelled images' loss (lambda).")
    regularizers: dict[str, dict[str, float]] = setting({}, Regularizers(), "Regularizers and their settings, e.g. "
                                                                            "{l2sp: {alpha: 0.1, beta: 0.01}}.")
    alignment: dict[str, Any] | None = setting(None, Alignment(), "A domain alignment loss: {method: "
                                                                  "coral|dann|mmd|cdan|mcc|..., weight: W, ...its "
                                                                  "settings}.")
    adapter: dict[str, Any] | None = setting(None, Adapter(), "Low-rank adapter settings for params: lora, e.g. "
                                                              "{r: 4, alpha: 8, dropout: 0}.")

    def check(self) -> None:
        """Rules between settings."""
        if self.randaugment == "none":
            self.randaugment = None
        if self.lr_decay is not None and self.lr_spread is not None:
            raise PlanError("Set at most one of 'lr_decay' and 'lr_spread' in a phase.")
        if (self.mixup or self.cutmix) and self.class_weights != "none":
            raise PlanError("class_weights weight the loss of hard labels, but mixup and cutmix train on mixed soft "
                            "labels; use class_weights or mixup/cutmix in a phase, not both (sampler: balanced works "
                            "with both).")
        if self.ema is not None and self.alignment is not None:
            raise PlanError("A domain-adaptation phase keeps batch-norm statistics per domain for its last weights, "
                            "which a moving average of weights would not match; use ema or alignment in a phase, "
                            "not both.")
        if self.wise is not None and self.alignment is not None:
            raise PlanError("A domain-adaptation phase keeps batch-norm statistics per domain for its last weights, "
                            "which WiSE-FT's mix would not match; use wise or alignment in a phase, not both.")
        if self.semi_supervised != "none" and self.alignment is not None:
            raise PlanError("A phase learns from unlabelled images of the target's own distribution "
                            "(semi_supervised) or adapts to another domain (alignment), not both.")
        if self.params == "lora" and self.adapter is None:
            raise PlanError("A phase with params: lora needs an 'adapter' mapping, e.g. {r: 4, alpha: 8}.")
        if self.adapter is not None:
            if self.params != "lora":
                raise PlanError(f"An 'adapter' is set but 'params' is {self.params!r}; set params: lora or remove it.")
            if "l2sp" in self.regularizers:
                raise PlanError("L2-SP pulls trained pretrained weights toward their start, but under params: lora "
                                "no pretrained weight trains; use l2sp or params: lora, not both.")
            if self.auto_rgn:
                raise PlanError("auto_rgn needs weights with a norm, but LoRA adapters start at zero; "
                                "use auto_rgn or params: lora, not both.")

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for YAML and run.json."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = _plain(value)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "phase") -> Phase:
        if not isinstance(data, dict):
            raise PlanError(f"Each {where} must be a mapping of settings; got {data!r}.")
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(known), key=str)
        if unknown:
            raise PlanError(f"Unknown setting {unknown[0]!r} in {where}; valid settings are {known}.")
        with written_in(surface(), f"{where} of {location()}" if location() else where):
            return cls(**phase_numbers(data))



def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
