"""The feature-cache options of a run: `cache` (auto | off), `cache_views` (K) and `cache_mem` (a byte budget)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import RunError

CACHE_MODES = ("auto", "off")
DEFAULT_CACHE_MEM = "2GB"
_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2, "mib": 1024**2,
          "g": 1024**3, "gb": 1024**3, "gib": 1024**3, "t": 1024**4, "tb": 1024**4, "tib": 1024**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")


def parse_size(value: str | int, setting: str = "cache_mem") -> int:
    """Bytes in '2GB', '512MB', '1.5G', '0' or a whole number (KB, MB, GB, TB are powers of 1024)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _SIZE.match(value.lower()) if isinstance(value, str) else None
    if match is None or match.group(2) not in _UNITS:
        raise RunError(
            f"The {setting!r} setting must be a size such as 2GB, 512MB or 0 (always on disk); got {value!r}."
        )
    return int(float(match.group(1)) * _UNITS[match.group(2)])


@dataclass(frozen=True)
class CacheSettings:
    """Validated feature-cache options. `memory_budget` is in bytes; caches larger than it go to disk."""

    mode: str = "auto"
    views: int = 1
    memory_budget: int = 2 * 1024**3

    @classmethod
    def parse(cls, mode: str = "auto", views: int = 1, memory: str | int = DEFAULT_CACHE_MEM) -> CacheSettings:
        """Check the options; raise RunError naming the bad value and the valid choices."""
        if mode not in CACHE_MODES:
            raise RunError(f"The 'cache' setting must be one of {list(CACHE_MODES)}; got {mode!r}.")
        if isinstance(views, bool) or not isinstance(views, int) or views < 1:
            raise RunError(f"The 'cache_views' setting must be a whole number of at least 1; got {views!r}.")
        return cls(mode, views, parse_size(memory))

    def to_dict(self) -> dict:
        return {"mode": self.mode, "views": self.views, "memory_budget": self.memory_budget}

    @classmethod
    def from_dict(cls, data: dict) -> CacheSettings:
        if not isinstance(data, dict) or set(data) - {"mode", "views", "memory_budget"}:
            raise RunError(f"The cache settings must be a mapping of mode, views and memory_budget; got {data!r}.")
        return cls.parse(data.get("mode", "auto"), data.get("views", 1), data.get("memory_budget", DEFAULT_CACHE_MEM))
