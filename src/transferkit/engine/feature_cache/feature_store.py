"""Cached activations as numpy arrays: in memory when they fit the budget, else memory-mapped `.npy` files.

train: (views, N, *shape); val and test: (N, *shape); float32. Every store is also on disk, written in a hidden
sibling folder and renamed into place, so a store that exists is always complete and later processes (a second
run, the workers of `compare --jobs`) reuse it. Stores kept in memory are remembered for the rest of the process
(least recently used dropped first) so later phases and runs can reuse them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import OrderedDict
from math import prod
from pathlib import Path

import numpy as np
import torch

SPLITS = ("train", "val", "test")
FORMAT = 1


class CacheUnavailable(Exception):
    """The cache cannot be stored here (disk full, folder not writable); the phase runs uncached."""


class FeatureStore:
    """Read access to one complete cache."""

    def __init__(self, key: str, arrays: dict[str, np.ndarray], storage: str, path: Path | None = None):
        self.key, self.arrays, self.storage, self.path = key, arrays, storage, path
        # in memory, torch gathers rows without copies through numpy; a read-only memory map stays numpy
        self._tensors = {s: torch.from_numpy(a) for s, a in arrays.items() if a.flags.writeable}

    @property
    def nbytes(self) -> int:
        return sum(int(a.nbytes) for a in self.arrays.values())

    @property
    def shapes(self) -> dict[str, list[int]]:
        return {name: list(a.shape) for name, a in self.arrays.items()}

    @property
    def views(self) -> int:
        return int(self.arrays["train"].shape[0])

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        # rows read from a read-only memory map are copied, so torch gets a writable array
        return torch.from_numpy(array if array.flags.writeable else np.array(array))

    def train_rows(self, views: torch.Tensor | None, rows: torch.Tensor) -> torch.Tensor:
        """Training activations of `rows`, each from its own view (`views` None: view 0 for all)."""
        train = self._tensors.get("train")
        if train is not None:
            return train[0].index_select(0, rows) if views is None else train[views, rows]
        array = self.arrays["train"]
        picked = array[0].take(rows.numpy(), axis=0) if views is None else array[views.numpy(), rows.numpy()]
        return torch.from_numpy(picked)

    def rows(self, split: str, start: int, stop: int, view: int = 0) -> torch.Tensor:
        array = self.arrays[split]
        return self._tensor(array[view, start:stop] if split == "train" else array[start:stop])

    @classmethod
    def open(cls, folder: Path, budget: int) -> FeatureStore | None:
        """A finished store on disk (read into memory when it fits `budget` bytes, else memory-mapped), or None
        when there is none (or it was written by another format)."""
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            arrays = {s: np.load(folder / f"{s}.npy", mmap_mode="r") for s in SPLITS}
        except (OSError, ValueError):
            return None
        if meta.get("format") != FORMAT:
            return None
        if sum(int(a.nbytes) for a in arrays.values()) > budget:
            return cls(meta["key"], arrays, "disk", folder)
        return cls(meta["key"], {s: np.array(a) for s, a in arrays.items()}, "memory", folder)


class StoreWriter:
    """Allocates the arrays once the first batch shows the activation shape, fills them, then commits."""

    def __init__(self, key: str, counts: dict[str, tuple[int, ...]], budget: int, root: Path):
        self.key, self.counts, self.budget, self.root = key, counts, budget, root
        self.arrays: dict[str, np.ndarray] | None = None
        self.tmp: Path | None = None

    def _allocate(self, shape: tuple[int, ...]) -> None:
        item = prod(shape) * 4
        total = sum(prod(c) for c in self.counts.values()) * item
        if total <= self.budget:
            self.arrays = {s: np.empty((*c, *shape), dtype=np.float32) for s, c in self.counts.items()}
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            free = shutil.disk_usage(self.root).free
            if free < total * 1.05:
                raise CacheUnavailable(f"not enough disk space in {self.root} ({total:,} bytes needed, {free:,} free)")
            self.tmp = _staging_dir(self.root, self.key)
            self.arrays = {s: np.lib.format.open_memmap(self.tmp / f"{s}.npy", mode="w+", dtype=np.float32,
                                                        shape=(*c, *shape)) for s, c in self.counts.items()}
        except OSError as exc:
            self.discard()
            raise CacheUnavailable(f"cannot write the feature cache in {self.root} ({exc.strerror or exc})") from None

    def write(self, split: str, start: int, values: torch.Tensor, view: int = 0) -> None:
        array = values.detach().float().cpu().numpy()
        if self.arrays is None:
            self._allocate(tuple(array.shape[1:]))
        target = self.arrays[split]
        if split == "train":
            target[view, start : start + len(array)] = array
        else:
            target[start : start + len(array)] = array

    def done(self, split: str, view: int = 0) -> None:
        """A split (and view) is complete; nothing to do when one process writes every row."""

    def commit(self) -> FeatureStore:
        """The finished store (disk: flushed, described in meta.json and renamed into place atomically)."""
        if self.arrays is None:
            raise CacheUnavailable("there were no images to cache")
        if self.tmp is None:
            return FeatureStore(self.key, self.arrays, "memory", _save_copy(self.key, self.arrays, self.root))
        try:
            for array in self.arrays.values():
                array.flush()
            shapes = {s: list(a.shape) for s, a in self.arrays.items()}
            self.arrays = None
            final = _publish(self.tmp, self.key, shapes, self.root)
            self.tmp = None
        except OSError as exc:
            self.discard()
            raise CacheUnavailable(f"cannot write the feature cache in {self.root} ({exc.strerror or exc})") from None
        store = FeatureStore.open(final, budget=0)
        if store is None:
            raise CacheUnavailable(f"the feature cache in {final} could not be read back")
        return store

    def discard(self) -> None:
        """Drop a half-written store (nothing is left on disk)."""
        self.arrays = None
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


def _staging_dir(root: Path, key: str) -> Path:
    """A hidden folder beside where store `key` will be, to write it in before it is complete."""
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{key}.partial-", dir=root))


def _publish(tmp: Path, key: str, shapes: dict[str, list[int]], root: Path) -> Path:
    """Describe the written store in meta.json and rename it into place atomically; where another process finished
    the same store first, keep theirs. Returns the store's folder."""
    meta = {"format": FORMAT, "key": key, "shapes": shapes}
    (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    final = root / key
    try:
        os.replace(tmp, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _save_copy(key: str, arrays: dict[str, np.ndarray], root: Path) -> Path | None:
    """Write an in-memory store to `root`/`key` for later processes; None when it cannot be written (the store
    still serves this process: a cache that cannot be saved is not an error)."""
    tmp = None
    try:
        tmp = _staging_dir(root, key)
        for split, array in arrays.items():
            np.save(tmp / f"{split}.npy", array)
        return _publish(tmp, key, {s: list(a.shape) for s, a in arrays.items()}, root)
    except OSError:  # no space or not writable
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        return None


class MemoryStores:
    """Process-wide in-memory stores by key, within a byte budget; the least recently used go first."""

    def __init__(self) -> None:
        self._stores: OrderedDict[str, FeatureStore] = OrderedDict()

    def get(self, key: str) -> FeatureStore | None:
        store = self._stores.get(key)
        if store is not None:
            self._stores.move_to_end(key)
        return store

    def keep(self, store: FeatureStore, budget: int) -> None:
        self._stores[store.key] = store
        self._stores.move_to_end(store.key)
        while len(self._stores) > 1 and sum(s.nbytes for s in self._stores.values()) > budget:
            self._stores.popitem(last=False)

    def clear(self) -> None:
        self._stores.clear()


MEMORY_STORES = MemoryStores()
