"""Device and precision through Hugging Face Accelerate."""

from __future__ import annotations

import functools

import accelerate.optimizer
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
    _ask_once_for_optional_packages()
    return Accelerator(cpu=device == "cpu", mixed_precision=precision)


def _ask_once_for_optional_packages() -> None:
    """Cache Accelerate's check for the optional `lomo_optim` package.

    Accelerate's optimizer wrapper runs an uncached importlib lookup for it twice per optimizer step; for the
    small steps of a head trained from cached features that was a fifth of the training time. Installed
    packages do not change during a run, so the answer is looked up once.
    """
    check = getattr(accelerate.optimizer, "is_lomo_available", None)
    if check is not None and not hasattr(check, "cache_info"):
        accelerate.optimizer.is_lomo_available = functools.cache(check)
