"""Checking image files once when data is opened: full decode and sha256 of each, in worker processes for many.

Each check also gives the file's stamp (size and modification time in ns, taken before its bytes are read): a later
read whose file still has that stamp is the file that was hashed, so it need not be hashed again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import os

import torch
from torch.utils.data import DataLoader, Dataset

from .image_files import UnreadableImage, load_image
from ..settings.reading import default_workers

PARALLEL_MIN_FILES = 256  # fewer files are checked in this process: starting workers would cost more
_CHUNK = 64


Stamp = tuple[int, int]


def stamp(path: Path) -> Stamp | None:
    """(size, modification time in ns) of `path`, or None when it cannot be read."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


class _Checks(Dataset):
    """Item i: (sha256 hex, None, stamp) when file i decodes, else (None, the reason, None)."""

    def __init__(self, paths: list[Path]):
        self.paths = paths

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[str | None, str | None, Stamp | None]:
        before = stamp(self.paths[i])
        try:
            return load_image(self.paths[i])[1], None, before
        except UnreadableImage as e:
            return None, str(e), None


def check_files(paths: list[Path]) -> Iterator[tuple[str | None, str | None, Stamp | None]]:
    """(sha256, None, stamp) or (None, reason, None) for each path, in order; decoded by one worker per core (at most
    8)."""
    checks = _Checks(paths)
    workers = default_workers() if len(paths) >= PARALLEL_MIN_FILES else 0
    # batches of results, in order; a generator of its own so that checking draws nothing from the global stream
    loader = DataLoader(checks, batch_size=_CHUNK, num_workers=workers, collate_fn=list, generator=torch.Generator())
    for chunk in loader:
        yield from chunk
