"""Seeds: one run seed, and per-(phase, epoch) seeds derived from it so that any epoch can be replayed."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import torch


def derive_seed(seed: int, *parts: object) -> int:
    """A 63-bit seed that depends only on `seed` and `parts` (stable across processes and versions)."""
    text = ":".join(str(p) for p in (seed, *parts)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") >> 1


def epoch_seed(seed: int, phase: int, epoch: int, process: int = 0) -> int:
    """The seed of one epoch of one phase; process 0 (the only one, usually) uses the single-process seed, every
    other process of a data-parallel run its own (its augmentations and dropout differ from the others')."""
    parts: tuple = ("phase", phase, "epoch", epoch) + (("process", process) if process else ())
    return derive_seed(seed, *parts)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def use_deterministic_algorithms(device: torch.device) -> None:
    """Deterministic kernels on GPU. CPU kernels are already deterministic for a fixed thread count, and
    torch's deterministic mode slows CPU training several-fold, so it is left off there."""
    if device.type == "cuda":
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
