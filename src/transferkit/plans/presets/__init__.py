"""Strategy presets. Each module registers its presets with `register_strategy` when imported."""

from . import basic, multi_phase, learning_rates, selective, adapters, regularized, published  # noqa: I001 (listing order)

__all__ = ["adapters", "basic", "learning_rates", "multi_phase", "published", "regularized", "selective"]
