"""How several processes share work: `shard_range`, each process's contiguous share of n items (evaluation and the
feature cache use it too), and the training images of an epoch: each image exactly once, the same number of batches
on every process (data-parallel training steps all processes together).

Accelerate's own sharding pads the last step with images from the start of the epoch (`even_batches`) or leaves
some processes without a batch, which data-parallel training cannot step; so with several processes the batches
are planned here, and Accelerate only moves them to the device. The main process draws the epoch's order from its
sampler (as a single process does) and hands it to the others.
"""

from __future__ import annotations

from accelerate.data_loader import prepare_data_loader
from accelerate.utils import broadcast_object_list
from torch.utils.data import DataLoader

from ...errors import DataError

MIN_SHARE = 2  # a share of the last step with fewer images joins the step before (batch norm trains on 2 or more)


def shard_range(n: int, processes: int, index: int) -> range:
    """Process `index`'s share of `n` items among `processes`: contiguous, the sizes differing by at most one (the
    first `n % processes` shares hold one more)."""
    base, extra = divmod(n, processes)
    start = index * base + min(index, extra)
    return range(start, start + base + (index < extra))


def shard_batches(order: list[int], batch_size: int, processes: int, index: int) -> list[list[int]]:
    """Process `index`'s batches of one epoch, given the epoch's `order` of all images.

    Each step takes `batch_size` images per process; the images left after the full steps are shared as evenly as
    possible (sizes differ by at most one), as one more step, or joined to the last full step when a share would
    hold fewer than MIN_SHARE images.
    """
    step = batch_size * processes
    full = len(order) // step
    batches = [order[s * step + index * batch_size: s * step + (index + 1) * batch_size] for s in range(full)]
    rest = order[full * step:]
    if rest:
        part = shard_range(len(rest), processes, index)
        share = rest[part.start: part.stop]
        if len(rest) // processes >= MIN_SHARE or not batches:  # the smallest share, the same on every process
            batches.append(share)
        else:
            batches[-1] = batches[-1] + share
    return batches


class EvenShards:
    """A batch sampler: this process's batches of each epoch (see `shard_batches`); the epoch's order comes from
    `order` (a sampler) on the main process."""

    def __init__(self, order, batch_size: int, processes: int, index: int):
        if len(order) < processes:
            raise DataError(f"The training split has {len(order)} images, fewer than the {processes} processes; "
                            "launch fewer processes or use more training images.")
        self.order, self.batch_size, self.processes, self.index = order, batch_size, processes, index

    def __len__(self) -> int:
        return len(shard_batches(list(range(len(self.order))), self.batch_size, self.processes, self.index))

    def __iter__(self):
        shared = [list(self.order) if self.index == 0 else None]
        broadcast_object_list(shared)
        yield from shard_batches(shared[0], self.batch_size, self.processes, self.index)


def prepare_training_loader(loader: DataLoader, accelerator) -> DataLoader:
    """`loader` prepared by Accelerate for this process: as it is with one process; with several, batches of
    `loader.batch_size` images per process from its sampler's order (the dataset, collation and workers kept)."""
    if accelerator.num_processes == 1:
        return accelerator.prepare_data_loader(loader)
    shards = EvenShards(loader.sampler, loader.batch_size, accelerator.num_processes, accelerator.process_index)
    planned = DataLoader(loader.dataset, batch_sampler=shards, num_workers=loader.num_workers,
                         collate_fn=loader.collate_fn, pin_memory=loader.pin_memory,
                         worker_init_fn=loader.worker_init_fn, persistent_workers=loader.persistent_workers,
                         prefetch_factor=loader.prefetch_factor if loader.num_workers else None)
    # already one process's batches: Accelerate places them on the device without sharding them again
    return prepare_data_loader(planned, device=accelerator.device, num_processes=1, process_index=0,
                               put_on_device=True, rng_types=None)
