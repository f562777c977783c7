"""Device and precision through Hugging Face Accelerate."""

from __future__ import annotations

import torch
from accelerate import Accelerator
from accelerate.utils import DistributedDataParallelKwargs

from ...errors import RunError
from ...settings.choices import DEVICES
from ...settings.fields import problem
from .accelerate_compat import cache_optional_package_checks
from .coordination import every_process, use_cpu


class NoCudaError(RunError):
    """--device cuda was asked for on a machine where PyTorch sees no CUDA GPU."""


def check_device(device: str) -> None:
    """RunError unless `device` is one of the devices; NoCudaError when it is 'cuda' and no CUDA GPU is visible."""
    if device not in DEVICES:
        raise RunError(problem("device", f"one of {list(DEVICES)}", device, example="cpu"))
    if device == "cuda" and not torch.cuda.is_available():
        raise NoCudaError("--device cuda was asked for, but no CUDA GPU is visible; use --device cpu or auto.")


def torch_device(device: str) -> torch.device:
    """The torch device of a 'device' setting ('auto' takes a GPU when there is one), checked."""
    check_device(device)
    return torch.device("cuda" if device != "cpu" and torch.cuda.is_available() else "cpu")


def make_accelerator(device: str = "auto", precision: str = "no") -> Accelerator:
    """An Accelerator on the requested device ('auto' takes a GPU when there is one). Launched with several
    processes, the model is wrapped for data-parallel training (gloo on CPUs); phases change which parameters train,
    so unused parameters are allowed."""
    check_device(device)
    cache_optional_package_checks()
    ddp = DistributedDataParallelKwargs(find_unused_parameters=True)
    return Accelerator(cpu=use_cpu(device), mixed_precision=precision, kwargs_handlers=[ddp])


def describe_processes(accelerator: Accelerator) -> dict:
    """run.json's record of the processes: how many, the device of each, and the backend between them."""
    devices = every_process(str(accelerator.device))
    return {"count": accelerator.num_processes, "devices": devices,
            "backend": accelerator.state.backend if accelerator.num_processes > 1 else None}

