"""Evaluation shared among several processes: each process scores one contiguous part of a split, and every
process gets all scores back in the split's order, each image scored exactly once (no padding)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from accelerate.utils import gather_object

from ...data import StreamedImages, take
from .shards import shard_range


def gathered_scores(accelerator, images: torch.Tensor | StreamedImages, score: Callable, num_classes: int) -> torch.Tensor:
    """`score(images)` (float32 rows on the CPU) for the whole split, computed in parts across the processes (a
    streamed split's parts stay on disk; `images` may also be a range of rows)."""
    if accelerator.num_processes == 1:
        return score(images) if len(images) else torch.zeros((0, num_classes))
    part = shard_range(len(images), accelerator.num_processes, accelerator.process_index)
    mine = score(take(images, slice(part.start, part.stop))) if len(part) else torch.zeros((0, num_classes))
    return torch.cat(gather_object([mine]))
