"""Device and precision through Hugging Face Accelerate."""

from __future__ import annotations

import functools

import accelerate.optimizer
import torch
from accelerate import Accelerator

from ..errors import RunError

DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("no", "fp16", "bf16")


class NoCudaError(RunError):
    """--device cuda was asked for on a machine where PyTorch sees no CUDA GPU."""


def check_device(device: str) -> None:
    """RunError unless `device` is one of DEVICES; NoCudaError when it is 'cuda' and no CUDA GPU is visible."""
    if device not in DEVICES:
        raise RunError(f"The 'device' setting must be one of {list(DEVICES)}; got {device!r}.")
    if device == "cuda" and not torch.cuda.is_available():
        raise NoCudaError("--device cuda was asked for, but no CUDA GPU is visible; use --device cpu or auto.")


def torch_device(device: str) -> torch.device:
    """The torch device of a 'device' setting ('auto' takes a GPU when there is one), checked."""
    check_device(device)
    return torch.device("cuda" if device != "cpu" and torch.cuda.is_available() else "cpu")


def make_accelerator(device: str = "auto", precision: str = "no") -> Accelerator:
    """An Accelerator on the requested device ('auto' takes a GPU when there is one)."""
    check_device(device)
    if precision not in PRECISIONS:
        raise RunError(f"The 'precision' setting must be one of {list(PRECISIONS)}; got {precision!r}.")
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
