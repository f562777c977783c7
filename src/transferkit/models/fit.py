"""Does a state dict fit a network? Strict loading with a one-line explanation when it does not."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from transferkit.errors import ModelError


def mismatch(expected: dict[str, torch.Tensor], found: dict[str, torch.Tensor]) -> str | None:
    """'3 missing keys (e.g. ...), 2 unexpected keys, ...' or None when keys and shapes all match."""
    missing = [k for k in expected if k not in found]
    unexpected = [k for k in found if k not in expected]
    reshaped = [k for k in expected if k in found and tuple(expected[k].shape) != tuple(found[k].shape)]
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing keys (e.g. '{missing[0]}')")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected keys" + ("" if missing else f" (e.g. '{unexpected[0]}')"))
    if reshaped:
        k = reshaped[0]
        parts.append(f"{len(reshaped)} tensors of another shape (e.g. '{k}': file {tuple(found[k].shape)}, "
                     f"network {tuple(expected[k].shape)})")
    return ", ".join(parts) or None


def mismatch_error(path: str | Path, target: str, problem: str, suggest_order: bool = False) -> ModelError:
    """'Weights file ... does not fit ...'; `suggest_order`: the names differ, so mapping by position may help."""
    fix = "pass the --model the weights were saved from"
    if suggest_order:
        fix += (", or, if the file holds the same network from another implementation (same tensors in the "
                "same order under other names), pass --weights-map order")
    return ModelError(f"Weights file '{Path(path).name}' does not fit {target}: {problem}; {fix}.")


def load_strict(model: nn.Module, state: dict[str, torch.Tensor], path: str | Path, target: str) -> None:
    """model.load_state_dict(state, strict=True), or ModelError naming what does not fit."""
    problem = mismatch(model.state_dict(), state)
    if problem:
        raise mismatch_error(path, target, problem)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise mismatch_error(path, target, str(e).splitlines()[0]) from e
