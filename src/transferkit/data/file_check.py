"""Checking image files once when data is opened: full decode and sha256 of each, in worker processes for many."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset

from .image_files import UnreadableImage, load_image
from .read_settings import default_workers

PARALLEL_MIN_FILES = 256  # fewer files are checked in this process: starting workers would cost more
_CHUNK = 64


class _Checks(Dataset):
    """Item i: (sha256 hex, None) when file i decodes, else (None, the reason)."""

    def __init__(self, paths: list[Path]):
        self.paths = paths

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[str | None, str | None]:
        try:
            return load_image(self.paths[i])[1], None
        except UnreadableImage as e:
            return None, str(e)


def check_files(paths: list[Path]) -> Iterator[tuple[str | None, str | None]]:
    """(sha256, None) or (None, reason) for each path, in order; decoded by one worker per core (at most 8)."""
    checks = _Checks(paths)
    workers = default_workers() if len(paths) >= PARALLEL_MIN_FILES else 0
    # batches of results, in order; a generator of its own so that checking draws nothing from the global stream
    loader = DataLoader(checks, batch_size=_CHUNK, num_workers=workers, collate_fn=list, generator=torch.Generator())
    for chunk in loader:
        yield from chunk
