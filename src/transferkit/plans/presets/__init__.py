"""Strategy presets. Each module registers its presets with `register_strategy` when imported."""

from . import basic, domain

__all__ = ["basic", "domain"]
