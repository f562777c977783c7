"""Checks of single phase settings: one-line PlanErrors that name the setting and what it must be."""

from __future__ import annotations

import math
from typing import Any

from ..errors import PlanError


def one_of(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise PlanError(f"The '{name}' setting must be one of {list(choices)}; got {value!r}.")


def number(name: str, value: Any, *, minimum: float = 0.0, strict: bool = False, integer: bool = False):
    ok_type = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_type):
        kind = "a whole number" if integer else "a number"
        raise PlanError(f"The '{name}' setting must be {kind}; got {value!r}.")
    if isinstance(value, float) and not math.isfinite(value):
        raise PlanError(f"The '{name}' setting must be a finite number; got {value!r}.")
    if value < minimum or (strict and value == minimum):
        bound = f"greater than {minimum}" if strict else f"at least {minimum}"
        raise PlanError(f"The '{name}' setting must be {bound}; got {value!r}.")
