"""A feature store built by the processes of a data-parallel run together, with one trunk pass over the data in all.

Each process encodes one contiguous share of every split (and view); after each, the main process gathers the
shares and writes them into its StoreWriter. The main process then commits the store to disk and every other
process opens it there, so the cache folder must be one that every process sees. Any failure (no disk space, a
store that some process cannot open) is the same CacheUnavailable on every process: they all run uncached.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from ..processes.coordination import every_process, main_first, process_state
from ..processes.shards import shard_range
from .feature_store import CacheUnavailable, FeatureStore, StoreWriter


def process_share(n: int) -> range:
    """The images of a split of `n` that this process encodes."""
    state = process_state()
    return shard_range(n, state.num_processes, state.process_index)


def _gathered_on_main(value: object) -> list | None:
    """Every process's `value` on the main process (None on the others)."""
    state = process_state()
    found = [None] * state.num_processes if state.is_main_process else None
    torch.distributed.gather_object(value, found, dst=0)
    return found


class SharedWriter:
    """What compute_activations writes to in each process: the rows of this process's share, handed to the main
    process at the end of each split (and view), which writes every process's rows into `writer` (None elsewhere)."""

    def __init__(self, writer: StoreWriter | None):
        self.writer, self.rows, self.failure = writer, [], None

    def write(self, split: str, start: int, values: torch.Tensor, view: int = 0) -> None:
        self.rows.append((start, values.detach().float().cpu()))

    def done(self, split: str, view: int = 0) -> None:
        shares, self.rows = _gathered_on_main(self.rows), []
        if self.writer is None or self.failure is not None:
            return
        try:
            for start, values in (row for share in shares for row in share):
                self.writer.write(split, start, values, view)
        except CacheUnavailable as exc:  # raised once every process is done, on all of them
            self.failure = exc


def build_together(writer: StoreWriter | None, budget: int,
                   encode: Callable[[SharedWriter], int]) -> tuple[FeatureStore, list[int]]:
    """The store that `encode(shared_writer)` fills in every process (the main process's `writer` commits it), and
    how many images each process encoded."""
    shared = SharedWriter(writer)
    try:
        encoded = every_process(encode(shared))
        built: list[FeatureStore] = []

        def commit() -> Path:
            if shared.failure is not None:
                raise shared.failure
            built.append(writer.commit())
            if built[0].path is None:
                raise CacheUnavailable("the feature cache could not be saved where the other processes read it")
            return built[0].path

        path = main_first(commit)
    finally:
        if writer is not None:
            writer.discard()
    store = built[0] if built else FeatureStore.open(path, budget)
    if not all(every_process(store is not None)):
        raise CacheUnavailable(f"the feature cache in {path} is not visible to every process; set TRANSFERKIT_CACHE "
                               "to a folder that every machine shares")
    return store, encoded
