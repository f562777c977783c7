"""Checks of preset options: one-line PlanErrors that name the strategy, the option and the valid values."""

from __future__ import annotations

from collections.abc import Sequence

from ...errors import PlanError

# Batch norm of presets that fine-tune the lower stages: running statistics stay those of pretraining
# (inference mode), affine parameters train. Small batches of target images far from the source drift the
# statistics of every layer otherwise (docs/strategies.md gives the measurements); `bn=auto` restores training mode.
FINE_TUNING_BN = "frozen"


def at_least(strategy: str, option: str, value: float, minimum: float) -> None:
    if value < minimum:
        raise PlanError(f"Option {option!r} of strategy {strategy!r} must be at least {minimum:g}; got {value!r}.")


def positive(strategy: str, option: str, value: float) -> None:
    if value <= 0:
        raise PlanError(f"Option {option!r} of strategy {strategy!r} must be greater than 0; got {value!r}.")


def fraction(strategy: str, option: str, value: float) -> None:
    """0 < value <= 1."""
    if not 0 < value <= 1:
        raise PlanError(f"Option {option!r} of strategy {strategy!r} must be in (0, 1]; got {value!r}.")


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
