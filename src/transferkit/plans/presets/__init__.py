"""Strategy presets. Each module registers its presets with `register_strategy` when imported."""

from . import basic, multi_phase, learning_rates, selective, adapters, regularized, published, domain, semi_supervised  # noqa: I001 (listing order)

__all__ = ["adapters", "basic", "domain", "learning_rates", "multi_phase", "published", "regularized", "selective", "semi_supervised"]
