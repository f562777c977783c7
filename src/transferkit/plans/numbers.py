"""Numbers written as text in plan files: PyYAML reads `1e-2` (no dot) as a string, JSON may quote numbers.

Every phase setting that takes a number accepts a string that its constraint reads ("1e-2", "10", "1e1"); the numbers
inside the mapping settings (`lr_scale`, `alignment`, `adapter`, `regularizers`) accept one that float() reads, a
whole number where the setting's default is one. Anything else stays as written, for the phase's own checks to refuse.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from ..settings.constraints import Number, Whole

WHOLE_KEYS = {"kernels", "hidden", "r", "terms", "randomized_dim"}  # whole-number entries of the mapping settings
NUMBER_MAPPINGS = ("lr_scale", "alignment", "adapter")  # mappings whose values are numbers (but 'method')


def number_from_text(value: Any, whole: bool = False) -> Any:
    """float(value) for a string that float() reads (an int when `whole` and it is one); else `value`."""
    if not isinstance(value, str):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    if whole:
        return int(number) if number.is_integer() else number
    return number


def _mapping(values: Any) -> Any:
    if not isinstance(values, dict):
        return values
    return {k: v if k == "method" else number_from_text(v, k in WHOLE_KEYS) for k, v in values.items()}


def phase_numbers(data: dict[str, Any]) -> dict[str, Any]:
    """A phase mapping with its numeric settings read from text where they were written as text."""
    from .phase import Phase

    out = dict(data)
    for f in fields(Phase):
        check = f.metadata["setting"].check if "setting" in f.metadata else None
        if isinstance(check, (Number, Whole)) and f.name in out:
            out[f.name] = number_from_text(out[f.name], isinstance(check, Whole))
    for key in NUMBER_MAPPINGS:
        if key in out:
            out[key] = _mapping(out[key])
    if isinstance(out.get("regularizers"), dict):
        out["regularizers"] = {k: _mapping(v) for k, v in out["regularizers"].items()}
    return out
