"""Numbers written as text in plan files: PyYAML reads `1e-2` (no dot) as a string, JSON may quote numbers.

Every setting that takes a number accepts a string that Python's float() reads; whole-number settings accept
one that is a whole number ("10", "1e1"). Anything else stays as written, for the phase's own checks to refuse.
"""

from __future__ import annotations

from typing import Any

NUMBER_SETTINGS = ("epochs", "lr", "lr_decay", "lr_spread", "weight_decay", "momentum", "warmup", "batch_size",
                   "label_smoothing", "random_erasing", "mixup", "cutmix")
WHOLE_NUMBERS = {"epochs", "batch_size", "kernels", "hidden", "r"}
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
    return {k: v if k == "method" else number_from_text(v, k in WHOLE_NUMBERS) for k, v in values.items()}


def phase_numbers(data: dict[str, Any]) -> dict[str, Any]:
    """A phase mapping with its numeric settings read from text where they were written as text."""
    out = dict(data)
    for key in NUMBER_SETTINGS:
        if key in out:
            out[key] = number_from_text(out[key], key in WHOLE_NUMBERS)
    for key in NUMBER_MAPPINGS:
        if key in out:
            out[key] = _mapping(out[key])
    if isinstance(out.get("regularizers"), dict):
        out["regularizers"] = {k: _mapping(v) for k, v in out["regularizers"].items()}
    return out
