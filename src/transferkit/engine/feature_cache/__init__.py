"""The feature cache: when everything below a phase's first trainable stage is frozen, the trunk's activations are
computed once (by one process or shared among all), stored in memory or on disk under a key of everything that
decides them, and the phase trains the rest of the network from them."""

from .cache_key import CachedActivations, feature_cache_key
from .cached_inputs import CachedInputs
from .feature_store import MEMORY_STORES, CacheUnavailable, FeatureStore, StoreWriter
from .policy import FeatureCache
from .trunk_pass import TrainingViews, compute_activations, replay_draws

__all__ = [
    "MEMORY_STORES",
    "CacheUnavailable",
    "CachedActivations",
    "CachedInputs",
    "FeatureCache",
    "FeatureStore",
    "StoreWriter",
    "TrainingViews",
    "compute_activations",
    "feature_cache_key",
    "replay_draws",
]
