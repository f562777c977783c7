"""The alignment losses a phase can switch on (`alignment: {method: ..., weight: ..., ...}`), one registration each.

An alignment loss is a module in methods/ holding an `AlignmentLoss` subclass and one `register_alignment(...)` call.
Its settings are the keyword parameters of its constructor (besides `features`, the size of the head's input, and
`classes`, the number of classes); the type of each default says what a plan may give: an int a whole number of at
least 1, a bool true or false, a float a number of at least 0; the class's `limits` may give a stricter constraint
for a setting. Every method also takes `weight`, the factor of the loss. Plan validation, the engine and describe()
read this registry only; none of them knows a method by name.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from torch import nn

from ..errors import PlanError
from ..registry import Registry
from ..settings.constraints import Constraint, Flag, Number, Whole

SIZES = ("features", "classes")  # constructor parameters the engine fills in, not plan settings


class AlignmentLoss(nn.Module):
    """forward(source features (N, D), target features (M, D)) -> a scalar loss.

    A loss with `uses_logits = True` is also given the head's outputs on the same batches, as keywords
    `source_logits` (N, C) and `target_logits` (M, C); `reads` says in the record what the loss compares. The engine calls `progress(p)` before each loss, with p the fraction of the phase done; `epoch_record()` adds
    numbers to the epoch's entry of the record. A loss registered with `critic=True` has parameters that its own
    optimizer trains (the phase's kind, at the head's learning rate); `critic_layers()` names them in the record.
    """

    uses_logits = False
    reads = "the head's input (pooled pre-logits)"
    limits: dict[str, Constraint] = {}  # a stricter constraint than its default's type gives, per setting

    def __init__(self, features: int = 0):
        """`features`: the size of the feature vectors compared (the head's input), for losses that need it."""
        super().__init__()

    def progress(self, fraction: float) -> None:
        """Follow a schedule over the phase (none by default)."""

    def epoch_record(self) -> dict[str, Any]:
        """Numbers about the last batch or epoch for the record (none by default)."""
        return {}

    def critic_layers(self) -> str:
        """The critic's layers, as the record states them."""
        return str(self)


@dataclass(frozen=True)
class AlignmentMethod:
    """A registered alignment loss: its plan name, its class, the words of its term, and whether it has a critic."""

    name: str
    loss_cls: type[AlignmentLoss]
    term: str
    critic: bool = False

    def defaults(self) -> dict[str, Any]:
        """The method's own settings (besides `weight`) and their defaults, from the constructor."""
        return {p.name: p.default for p in inspect.signature(self.loss_cls).parameters.values()
                if p.name not in SIZES and p.default is not inspect.Parameter.empty}

    def settings(self) -> tuple[str, ...]:
        """Every setting a plan may give besides `method`."""
        return ("weight", *self.defaults())

    def rule(self, key: str) -> Constraint:
        """The constraint of setting `key`: the class's `limits`, else by its default's type."""
        if key in self.loss_cls.limits:
            return self.loss_cls.limits[key]
        default = self.defaults().get(key)
        if type(default) is bool:
            return Flag()
        return Whole(min=1) if type(default) is int else Number(min=0)

    def build(self, settings: dict[str, Any], features: int, classes: int = 0) -> AlignmentLoss:
        """The loss for an alignment setting of a phase (checked already), for features of size `features` and
        `classes` classes (given to a constructor that takes `classes`)."""
        values = {k: type(default)(settings.get(k, default)) for k, default in self.defaults().items()}
        if "classes" in inspect.signature(self.loss_cls).parameters:
            values["classes"] = classes
        return self.loss_cls(features, **values)


ALIGNMENTS: Registry[AlignmentMethod] = Registry("alignment method", PlanError)


def register_alignment(name: str, loss_cls: type[AlignmentLoss], *, term: str, critic: bool = False) -> None:
    """Make `loss_cls` the alignment method `name`; `term` is how the standard name of a phase calls it
    ("unsupervised domain adaptation (TERM): ..."); `critic`: its parameters are trained by their own optimizer."""
    ALIGNMENTS.register(name, AlignmentMethod(name, loss_cls, term, critic))


def alignment_names() -> list[str]:
    """The registered method names, sorted."""
    return sorted(ALIGNMENTS.names())


def alignment_method(name: str) -> AlignmentMethod:
    """The registration of `name` (plans are validated against `alignment_names()` first)."""
    return ALIGNMENTS.get(name)


def make_alignment(settings: dict, features: int, classes: int = 0) -> AlignmentLoss:
    """The loss module of an alignment setting, for features of size `features` (the head's input) and `classes`."""
    return alignment_method(settings["method"]).build(settings, features, classes)
