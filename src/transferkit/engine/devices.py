"""Device and precision through Hugging Face Accelerate."""

from __future__ import annotations

import torch
from accelerate import Accelerator

from ..errors import RunError

DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("no", "fp16", "bf16")


def make_accelerator(device: str = "auto", precision: str = "no") -> Accelerator:
    """An Accelerator on the requested device ('auto' takes a GPU when there is one)."""
    if device not in DEVICES:
        raise RunError(f"The 'device' setting must be one of {list(DEVICES)}; got {device!r}.")
    if precision not in PRECISIONS:
        raise RunError(f"The 'precision' setting must be one of {list(PRECISIONS)}; got {precision!r}.")
    if device == "cuda" and not torch.cuda.is_available():
        raise RunError("--device cuda was asked for, but no CUDA GPU is visible; use --device cpu or auto.")
    return Accelerator(cpu=device == "cpu", mixed_precision=precision)
