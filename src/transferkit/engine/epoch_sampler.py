"""Which labelled images a training epoch draws, in which order.

One shuffled pass over the training images; with `sampler: balanced`, as many drawn with replacement, every class
equally likely. A semi-supervised phase's epoch is instead one pass over its unlabelled images (`unlabeled_ratio` x
`batch_size` of them per step, as FixMatch and TLlib count a semi-supervised epoch in unlabelled images): the
labelled images are then cycled, reshuffled on each pass, for as many batches as that takes.
"""

from __future__ import annotations

import torch
from torch.utils.data import RandomSampler, Sampler, WeightedRandomSampler

from .batches import drop_ragged_batch


def labelled_draws(phase, data) -> int:
    """Labelled images an epoch of `phase` draws: the training images, or more where its unlabelled images need
    more steps for one pass."""
    n, pool = len(data.train.labels), getattr(data, "unlabeled", None)
    if phase.semi_supervised == "none" or pool is None:
        return n
    steps = -(-len(pool) // (phase.unlabeled_ratio * phase.batch_size))
    return steps * phase.batch_size if steps > -(-n // phase.batch_size) else n


def epoch_order(phase, data) -> dict:
    """The DataLoader arguments of `phase`'s epochs over `data.train` (batch_size, shuffle, sampler, drop_last)."""
    draws = labelled_draws(phase, data)
    sampler = epoch_sampler(phase, data, draws)
    return {"batch_size": phase.batch_size, "shuffle": sampler is None, "sampler": sampler,
            "drop_last": drop_ragged_batch(draws, phase.batch_size)}


def epoch_sampler(phase, data, draws: int) -> Sampler | None:
    """The sampler of `draws` training images per epoch (from torch's global RNG, which each epoch seeds); None:
    one shuffled pass (the DataLoader's own shuffle)."""
    labels = data.train.labels
    if phase.sampler == "balanced":
        counts = torch.bincount(labels.long()).double()
        return WeightedRandomSampler((1.0 / counts[labels.long()]).tolist(), num_samples=draws, replacement=True)
    return RandomSampler(range(len(labels)), num_samples=draws) if draws > len(labels) else None
