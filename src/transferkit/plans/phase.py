"""Phase: one stretch of training with one fixed choice of what learns, how fast, and how batch norm behaves."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

from ..errors import PlanError
from ..methods.alignment import alignment_method, alignment_names
from .augment_settings import AUGMENT_SETTINGS, check_augment_setting, check_mixing
from .checks import number as _number
from .checks import one_of as _one_of

PARAM_FILTERS = ("all", "bias", "norm", "lora")
BN_POLICIES = ("auto", "frozen", "train", "adapt")
OPTIMIZERS = ("adamw", "sgd")
SCHEDULES = ("cosine", "onecycle", "constant")
AUGMENTATIONS = ("none", "light", "standard")
CLASS_WEIGHTS = ("none", "balanced")  # balanced: each class's loss weighted by n / (classes x its count)
SAMPLERS = ("shuffle", "balanced")  # balanced: images drawn with replacement, each class equally likely
REGULARIZERS = ("l2sp",)
REGULARIZER_SETTINGS = {"l2sp": ("alpha", "beta")}

_STAGE_NAME = re.compile(r"^(all|head|stem|stage\d+|top:\d+)$")


@dataclass
class Phase:
    """What trains, and how, for `epochs` epochs.

    Stages are named `stem`, `stage1` ... `stageN`, `head`. `train` selects stages: explicit names,
    `all`, or `top:K` (the K stages just below the head, and the head). The head trains when listed;
    `params` filters the parameters of the non-head stages (`bias` = BitFit, `norm` = normalization
    affine only, `lora` = low-rank adapters from `adapter`). Learning rate of a stage is `lr` times
    `lr_scale[stage]` (default 1), times `lr_decay ** (distance below the head)` when `lr_decay` is set,
    or spread geometrically from `lr / lr_spread` (stem) to `lr` (head) when `lr_spread` is set.
    `standardize_features` makes the head read features standardized with their training-set mean and std
    (measured at phase start, folded into the head's weights at phase end). `class_weights: balanced` weights each
    class's loss by n / (classes x its training count); `sampler: balanced` draws each epoch's images with replacement
    so that every class is equally likely (imbalanced classes). `fixed_epochs`: a budget that rescales the plan's
    epochs (`--epochs`, compare's budget) leaves this phase's epochs as they are (a head trained to convergence before
    fine-tuning, as LP-FT and the Keras guide prescribe). `max_steps`: an epoch ends after at most this many batches
    (a step budget for long epochs; the schedule spans the shortened epochs). `grad_accum`: the optimizer steps once
    every that many batches, on their averaged gradients (an effective batch of `batch_size` x `grad_accum`). `bn` is
    the batch-norm policy: `auto` (trainable stages `train`, frozen stages `frozen`) or one policy for every stage, or
    a mapping stage -> policy (missing stages follow `auto`). timm's augmentations, all off by default (see
    augment_settings.py): `randaugment` (a policy such as `rand-m9-mstd0.5`, after the `augment` preset),
    `random_erasing` (probability per image, on the normalized batch), `mixup` and `cutmix` (Beta alphas; the loss is
    then soft-target cross-entropy, label smoothing applied to the mixed targets).
    """

    name: str = "train"
    epochs: int = 10
    fixed_epochs: bool = False
    train: list[str] = field(default_factory=lambda: ["all"])
    params: str = "all"
    lr: float = 1e-3
    lr_scale: dict[str, float] = field(default_factory=dict)
    lr_decay: float | None = None
    lr_spread: float | None = None
    auto_rgn: bool = False
    bn: str | dict[str, str] = "auto"
    optimizer: str = "adamw"
    weight_decay: float = 0.05
    momentum: float = 0.9
    schedule: str = "cosine"
    warmup: float = 0.1
    batch_size: int = 32
    max_steps: int | None = None
    grad_accum: int = 1
    augment: str = "none"
    randaugment: str | None = None
    random_erasing: float = 0.0
    mixup: float = 0.0
    cutmix: float = 0.0
    label_smoothing: float = 0.0
    class_weights: str = "none"
    sampler: str = "shuffle"
    standardize_features: bool = False
    regularizers: dict[str, dict[str, float]] = field(default_factory=dict)
    alignment: dict[str, Any] | None = None
    adapter: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every field; raise PlanError naming the bad value and the valid choices."""
        if not isinstance(self.name, str) or not self.name:
            raise PlanError(f"The 'name' setting of a phase must be a non-empty string; got {self.name!r}.")
        _number("epochs", self.epochs, minimum=1, integer=True)
        if isinstance(self.train, str):
            self.train = [self.train]
        if not isinstance(self.train, list) or not self.train:
            raise PlanError(f"The 'train' setting must be a list of stage names; got {self.train!r}.")
        for stage in self.train:
            if not isinstance(stage, str) or not _STAGE_NAME.match(stage):
                raise PlanError(
                    f"Unknown stage {stage!r} in 'train'; use 'all', 'head', 'stem', 'stage1'..'stageN' or 'top:K'."
                )
        _one_of("params", self.params, PARAM_FILTERS)
        _number("lr", self.lr, strict=True)
        if not isinstance(self.lr_scale, dict):
            raise PlanError(f"The 'lr_scale' setting must map stage names to numbers; got {self.lr_scale!r}.")
        for stage, scale in self.lr_scale.items():
            if not isinstance(stage, str) or not _STAGE_NAME.match(stage) or stage.startswith("top:"):
                raise PlanError(f"Unknown stage {stage!r} in 'lr_scale'; use 'stem', 'stage1'..'stageN' or 'head'.")
            _number(f"lr_scale.{stage}", scale)
        if self.lr_decay is not None:
            _number("lr_decay", self.lr_decay, strict=True)
        if self.lr_spread is not None:
            _number("lr_spread", self.lr_spread, minimum=1.0)
        if self.lr_decay is not None and self.lr_spread is not None:
            raise PlanError("Set at most one of 'lr_decay' and 'lr_spread' in a phase.")
        for flag in ("fixed_epochs", "auto_rgn", "standardize_features"):
            if not isinstance(getattr(self, flag), bool):
                raise PlanError(f"The '{flag}' setting must be true or false; got {getattr(self, flag)!r}.")
        if isinstance(self.bn, dict):
            for stage, policy in self.bn.items():
                if not isinstance(stage, str) or not _STAGE_NAME.match(stage) or stage.startswith("top:"):
                    raise PlanError(f"Unknown stage {stage!r} in 'bn'; use 'stem', 'stage1'..'stageN' or 'head'.")
                _one_of(f"bn.{stage}", policy, BN_POLICIES)
        else:
            _one_of("bn", self.bn, BN_POLICIES)
        _one_of("optimizer", self.optimizer, OPTIMIZERS)
        _number("weight_decay", self.weight_decay)
        _number("momentum", self.momentum)
        if self.momentum >= 1:
            raise PlanError(f"The 'momentum' setting must be below 1; got {self.momentum!r}.")
        _one_of("schedule", self.schedule, SCHEDULES)
        _number("warmup", self.warmup)
        if self.warmup >= 1:
            raise PlanError(f"The 'warmup' setting is a fraction of the phase and must be below 1; got {self.warmup!r}.")
        _number("batch_size", self.batch_size, minimum=1, integer=True)
        if self.max_steps is not None:
            _number("max_steps", self.max_steps, minimum=1, integer=True)
        _number("grad_accum", self.grad_accum, minimum=1, integer=True)
        _one_of("augment", self.augment, AUGMENTATIONS)
        _number("label_smoothing", self.label_smoothing)
        if self.label_smoothing >= 1:
            raise PlanError(f"The 'label_smoothing' setting must be below 1; got {self.label_smoothing!r}.")
        _one_of("class_weights", self.class_weights, CLASS_WEIGHTS)
        _one_of("sampler", self.sampler, SAMPLERS)
        if self.randaugment == "none":
            self.randaugment = None
        for key in AUGMENT_SETTINGS:
            check_augment_setting(key, getattr(self, key))
        check_mixing(self)
        self._validate_regularizers()
        self._validate_alignment()
        self._validate_adapter()

    def _validate_regularizers(self) -> None:
        if not isinstance(self.regularizers, dict):
            raise PlanError(f"The 'regularizers' setting must map names to settings; got {self.regularizers!r}.")
        for name, settings in self.regularizers.items():
            _one_of("regularizers", name, REGULARIZERS)
            if not isinstance(settings, dict):
                raise PlanError(f"The settings of regularizer {name!r} must be a mapping; got {settings!r}.")
            for key, value in settings.items():
                if key not in REGULARIZER_SETTINGS[name]:
                    raise PlanError(f"Unknown setting {key!r} of regularizer {name!r}; valid settings are "
                                    f"{list(REGULARIZER_SETTINGS[name])}.")
                _number(f"regularizers.{name}.{key}", value)

    def _validate_alignment(self) -> None:
        """`method` is a registered alignment loss; its settings are `weight` and those of the loss's constructor
        (an int default: a whole number of at least 1; otherwise a number of at least 0)."""
        if self.alignment is None:
            return
        if not isinstance(self.alignment, dict) or "method" not in self.alignment:
            raise PlanError(
                f"The 'alignment' setting must be a mapping with a 'method' (one of {alignment_names()}); "
                f"got {self.alignment!r}."
            )
        _one_of("alignment.method", self.alignment["method"], tuple(alignment_names()))
        method = alignment_method(self.alignment["method"])
        for key, value in self.alignment.items():
            if key == "method":
                continue
            if key not in method.settings():
                raise PlanError(f"Unknown setting {key!r} of alignment {method.name!r}; valid settings are "
                                f"{list(method.settings())}.")
            _number(f"alignment.{key}", value)
        for key, default in method.defaults().items():
            if key in self.alignment and type(default) is int:
                _number(f"alignment.{key}", self.alignment[key], minimum=1, integer=True)

    def _validate_adapter(self) -> None:
        if self.params == "lora" and not isinstance(self.adapter, dict):
            raise PlanError("A phase with params: lora needs an 'adapter' mapping, e.g. {r: 4, alpha: 8}.")
        if self.adapter is not None and not isinstance(self.adapter, dict):
            raise PlanError(f"The 'adapter' setting must be a mapping; got {self.adapter!r}.")
        if self.adapter is not None:
            if self.params != "lora":
                raise PlanError(f"An 'adapter' is set but 'params' is {self.params!r}; set params: lora or remove it.")
            check_adapter(self.adapter)
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
        try:
            return cls(**data)
        except TypeError as exc:  # pragma: no cover - dataclass signature mismatch
            raise PlanError(f"Invalid {where}: {exc}.") from None


ADAPTER_KEYS = {"r": 4, "alpha": 8.0, "dropout": 0.0}


def check_adapter(adapter: dict[str, Any]) -> None:
    """Low-rank adapter settings: r (rank, whole number >= 1), alpha (scale numerator > 0), dropout (in [0, 1))."""
    unknown = sorted(set(adapter) - set(ADAPTER_KEYS))
    if unknown:
        raise PlanError(f"Unknown setting {unknown[0]!r} in 'adapter'; valid settings are {list(ADAPTER_KEYS)}.")
    _number("adapter.r", adapter.get("r", ADAPTER_KEYS["r"]), minimum=1, integer=True)
    _number("adapter.alpha", adapter.get("alpha", ADAPTER_KEYS["alpha"]), strict=True)
    dropout = adapter.get("dropout", ADAPTER_KEYS["dropout"])
    _number("adapter.dropout", dropout)
    if dropout >= 1:
        raise PlanError(f"The 'adapter.dropout' setting must be below 1; got {dropout!r}.")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
