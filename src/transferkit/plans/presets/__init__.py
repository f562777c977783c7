"""Strategy presets. Each module registers its presets with `register_strategy` when imported."""

from . import basic

__all__ = ["basic"]
