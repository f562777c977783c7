"""CacheSettings: the feature cache at the freeze boundary (`--cache`, `--cache-views`, `--cache-mem`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import RunError
from .choices import CACHE_MODES
from .constraints import Invalid, OneOf, Size, Whole
from .fields import Record, setting

DEFAULT_CACHE_MEM = 2 * 1024**3


def parse_size(value: str | int) -> int:
    """Bytes in '2GB', '512MB', '1.5G', '0' or a whole number (KB, MB, GB, TB are powers of 1024)."""
    try:
        return Size().check(value)
    except Invalid:
        raise RunError(f"A size must be written such as 2GB, 512MB or 0; got {value!r}.") from None


@dataclass(frozen=True)
class CacheSettings(Record):
    """`mode`: auto (cache the activations at the freeze boundary when everything below it is frozen) or off;
    `views`: augmented views cached per image; `memory_budget`: bytes of cache kept in memory (larger: on disk)."""

    error = RunError
    kind = "cache"
    panel = "Feature cache"

    mode: str = setting("auto", OneOf(CACHE_MODES),
                        "auto: when every stage below the first trainable one is frozen (batch norm included), compute "
                        "its activations once and train the rest from them; off: run the whole network every epoch.",
                        name="cache")
    views: int = setting(1, Whole(min=1), "Augmented views per image to cache when a phase augments; each epoch draws "
                                          "one per image (more views: closer to fresh augmentation, more memory).",
                         name="cache_views")
    memory_budget: int = setting(DEFAULT_CACHE_MEM, Size(),
                                 "Memory budget for cached activations, e.g. 2GB or 512MB; larger caches are "
                                 "memory-mapped files in the cache directory (0: always on disk).", name="cache_mem")
