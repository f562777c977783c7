"""Checks of preset options: one-line PlanErrors in the settings' message form, naming the strategy, the option, what
it must be and a valid example."""

from __future__ import annotations

from collections.abc import Sequence

from ...errors import PlanError
from ...settings.constraints import Constraint, Invalid, Number

# Batch norm of presets that fine-tune the lower stages: running statistics stay those of pretraining
# (inference mode), affine parameters train. Small batches of target images far from the source drift the
# statistics of every layer otherwise (docs/strategies.md gives the measurements); `bn=auto` restores training mode.
FINE_TUNING_BN = "frozen"


def option(strategy: str, name: str, value: float, rule: Constraint) -> None:
    """PlanError unless `value` of option `name` satisfies `rule`."""
    try:
        rule.check(value)
    except Invalid as exc:
        raise PlanError(f"Option {name!r} of strategy {strategy!r} must be {exc.what or rule.what} (for example "
                        f"{strategy}:{name}={rule.show(rule.example)}); got {value!r}.") from None


def at_least(strategy: str, name: str, value: float, minimum: float) -> None:
    option(strategy, name, value, Number(min=minimum))


def positive(strategy: str, name: str, value: float) -> None:
    option(strategy, name, value, Number(above=0))


def fraction(strategy: str, name: str, value: float) -> None:
    """0 < value <= 1."""
    option(strategy, name, value, Number(above=0, max=1, what="in (0, 1]"))


def stage_list(strategy: str, option: str, stages: Sequence[str], *, allow_head: bool = True) -> list[str]:
    """A non-empty list of stage selectors (names are checked against the backbone when the plan runs)."""
    stages = [stages] if isinstance(stages, str) else list(stages)
    if not stages:
        raise PlanError(f"Option {option!r} of strategy {strategy!r} needs at least one stage, "
                        f"e.g. {strategy}:{option}=stem+stage1.")
    if not allow_head and "head" in stages:
        raise PlanError(f"Option {option!r} of strategy {strategy!r} lists 'head', but head=false freezes it; "
                        f"drop 'head' from {option!r} or set head=true.")
    return stages
