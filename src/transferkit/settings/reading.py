"""How splits are read: by how many worker processes, and which stay in memory."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_DATA_MEM = 2 * 1024**3


def default_workers() -> int:
    """Worker processes that decode images: one per core, at most 8."""
    return min(8, os.cpu_count() or 1)


@dataclass(frozen=True)
class ReadSettings:
    """`workers`: processes that decode images (0: this process; default: one per core, at most 8); splits whose
    pixels at input size fit in `memory_budget` bytes (in the order train, validation, test) are decoded once and kept
    in memory, the others stream from the source on every pass."""

    workers: int = field(default_factory=default_workers)
    memory_budget: int = DEFAULT_DATA_MEM

    def in_memory(self, sizes: list[int]) -> list[bool]:
        """For splits of `sizes` bytes each: which are kept in memory."""
        used, keep = 0, []
        for size in sizes:
            keep.append(used + size <= self.memory_budget)
            used += size if keep[-1] else 0
        return keep
