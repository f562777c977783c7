"""The pass that fills a feature store: trunk activations of K views of the training images (augmented when the
phase augments), and of the validation and test images as they are, with the whole network in eval mode.

Each view's augmentations are drawn from the run seed and the view alone, image after image. A process that encodes
only a share of a split (see shared_cache.py) first draws what augmenting the images before its share would draw:
an augmentation's random draws depend on the image's size only, so a blank image of that size stands in for each.
The activations are then those of a single process that encodes every image.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from ...console import PlainLines
from ...data import take, uint8_batches
from ...models.segments import Cut
from ..modes import kept_modes
from ..seeding import derive_seed


@dataclass
class _Encoder:
    """Writes the trunk activations of image batches into `writer`, reporting progress on `lines`."""

    writer: object
    cut: Cut
    base: object
    autocast: Callable
    lines: PlainLines

    def fill(self, split: str, images, part: range, augment_fn=None, view: int = 0) -> None:
        """Images `part` of a split (augmented one by one with `augment_fn`), as rows `part` of the split's view;
        then `writer.done(split, view)`."""
        start = part.start
        for batch in uint8_batches(take(images, slice(part.start, part.stop)), self.base.eval_batch_size):
            if augment_fn is not None:
                batch = torch.stack([augment_fn(image) for image in batch])
            with self.autocast():
                self.writer.write(split, start, self.cut.trunk(self.base.normalize(batch)), view)
            self.lines.advance(len(batch))
            start += len(batch)
        self.writer.done(split, view)


@dataclass(frozen=True)
class TrainingViews:
    """The views of the training images that a store holds: `count` of them, each image augmented by `augment` (one
    image -> one image; None: as it is) with the draws of torch's generator seeded from `seed` and the view."""

    augment: Callable | None
    count: int
    seed: int


def replay_draws(augment_fn, images, count: int) -> None:
    """Draw the random numbers that augmenting the first `count` of `images` draws (on a blank image of their size)."""
    if augment_fn is None or count == 0:
        return
    blank = torch.zeros(tuple(images.shape[1:]), dtype=torch.uint8)
    for _ in range(count):
        augment_fn(blank)


@torch.no_grad()
def compute_activations(writer, cut: Cut, base, views: TrainingViews, *, autocast,
                        share: Callable[[int], range] = range) -> int:
    """Fill `writer` with the activations of this process's `share(n)` of each split of n images (all of them by
    default), `views.count` views of the training images; return how many images went through the trunk here."""
    data, augment_fn = base.data, views.augment
    parts = {split: share(len(getattr(data, split))) for split in ("train", "val", "test")}
    total = views.count * len(parts["train"]) + len(parts["val"]) + len(parts["test"])
    # plain lines only (silent in a terminal): there the run's bars show, and rich allows one live display at a time
    encoder = _Encoder(writer, cut, base, autocast, PlainLines(f"Caching trunk features of {total:,} images", total))
    with kept_modes(base.model):
        base.model.eval()
        for view in range(views.count):
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(derive_seed(views.seed, "cache view", view))
                replay_draws(augment_fn, data.train.images, parts["train"].start)
                encoder.fill("train", data.train.images, parts["train"], augment_fn, view)
        for split in ("val", "test"):
            encoder.fill(split, getattr(data, split).images, parts[split])
    encoder.lines.close()
    return total
