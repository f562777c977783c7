"""Weights damaged on disk: values that are not finite, or a file whose sha256 differs from the one recorded."""

from __future__ import annotations

from pathlib import Path

import torch

from transferkit.errors import ModelError

SHA256_KEY = "weights_sha256"  # where model.json records the sha256 of model.safetensors


def check_finite(state: dict[str, torch.Tensor], path: str | Path) -> None:
    """Every floating-point tensor holds finite values only; otherwise the file is corrupt (ModelError)."""
    bad = {name: int((~torch.isfinite(t)).sum()) for name, t in state.items()
           if t.is_floating_point() and not bool(torch.isfinite(t).all())}
    if bad:
        first = next(iter(bad))
        raise ModelError(f"Weights file '{path}' is corrupt: {sum(bad.values())} values in {len(bad)} tensors are "
                         f"not finite (NaN or infinite; first in '{first}'); download or save the weights again.")


def check_recorded_sha256(path: str | Path, recorded: object, found: str) -> None:
    """The weights file has the sha256 its model directory recorded (nothing to check when none is recorded)."""
    if isinstance(recorded, str) and recorded != found:
        raise ModelError(f"Weights file '{path}' is corrupt: its sha256 is {found[:12]}…, but model.json records "
                         f"{recorded[:12]}…; copy or save the model directory again.")
