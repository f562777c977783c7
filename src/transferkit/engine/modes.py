"""Train/eval flags of a whole network, saved and restored exactly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn


@contextmanager
def kept_modes(model: nn.Module) -> Iterator[nn.Module]:
    """Inside: change modes freely (e.g. `model.eval()`); on exit every module gets its own flag back."""
    flags = [(module, module.training) for module in model.modules()]
    try:
        yield model
    finally:
        for module, training in flags:
            module.training = training
