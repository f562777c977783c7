"""Small losses and helpers that a phase can switch on."""

from .l2sp import L2SP
from .lora import LowRankAdapters, adapter_targets

__all__ = ["L2SP", "LowRankAdapters", "adapter_targets"]
