"""Train from cached activations at the freeze boundary, with the same interface as `ImageInputs`.

The training loader keeps the uncached path's sampler (a shuffling DataLoader seeded from torch's global RNG
at the start of each epoch), so cached and uncached runs see the same batches in the same order. With K views,
each image's view for an epoch is drawn from the run seed, the phase and the epoch alone.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from ...models.segments import PRE_LOGITS, Cut
from ..epoch_sampler import epoch_order
from ..processes.sharded_eval import gathered_scores
from ..processes.shards import prepare_training_loader
from ..processes.sums import average_gradients
from ..seeding import derive_seed
from .feature_store import FeatureStore


def _as_batch(batch):
    """The dataset already returns whole batches (see `CachedTrainingSet.__getitems__`)."""
    return batch


class CachedTrainingSet(Dataset):
    """Training activations and labels; a DataLoader fetches a whole batch with one `__getitems__` call."""

    def __init__(self, store: FeatureStore, labels: torch.Tensor):
        self.store, self.labels = store, labels
        self.views: torch.Tensor | None = None  # per image, for the current epoch (None: the only view)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitems__(self, indices: list[int]):
        rows = torch.as_tensor(indices, dtype=torch.int64)
        views = None if self.views is None else self.views.index_select(0, rows)
        return self.store.train_rows(views, rows), self.labels.index_select(0, rows)

    def __getitem__(self, index: int):
        features, labels = self.__getitems__([index])
        return features[0], labels[0]


class CachedInputs:
    """Activations at `cut.boundary` from `store`; `cut.rest` turns a batch of them into logits."""

    kind = "cached"

    def __init__(self, base, cut: Cut, store: FeatureStore, record: dict, seed: int, phase_index: int):
        self.base, self.cut, self.store, self.record = base, cut, store, record
        self.net, self.model, self.data, self.accelerator = base.net, base.model, base.data, base.accelerator
        self.eval_batch_size = base.eval_batch_size
        self.seed, self.phase_index = seed, phase_index
        self.training_set = CachedTrainingSet(store, self.data.train.labels)
        # the rest of the network runs outside the data-parallel wrapper: with several processes its gradients are
        # averaged here before each optimizer step
        self.before_step = self._average_gradients if self.accelerator.num_processes > 1 else None

    def _average_gradients(self) -> None:
        average_gradients(self.net.model, self.accelerator.num_processes)

    def _autocast(self):
        return self.accelerator.autocast() if self.accelerator.mixed_precision != "no" else nullcontext()

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        return self.base.normalize(images)

    def image_batches(self, images: torch.Tensor, batch_size: int):
        return self.base.image_batches(images, batch_size)

    def set_epoch(self, epoch: int) -> None:
        """Draw each image's view for `epoch` (K views), from the run seed, the phase and the epoch."""
        if self.store.views > 1:
            generator = torch.Generator().manual_seed(derive_seed(self.seed, "cache view", self.phase_index, epoch))
            draws = torch.randint(self.store.views, (len(self.training_set),), generator=generator)
            self.training_set.views = draws

    def train_loader(self, phase) -> DataLoader:
        """Batches of cached activations (the phase's `augment` is already in the cached views) in the order
        epoch_sampler.py gives."""
        loader = DataLoader(self.training_set, **epoch_order(phase, self.data), collate_fn=_as_batch)
        return prepare_training_loader(loader, self.accelerator)

    def forward(self, activations: torch.Tensor) -> torch.Tensor:
        with self._autocast():
            return self.cut.rest(activations.to(self.accelerator.device, non_blocking=True))

    @torch.no_grad()
    def train_features(self) -> torch.Tensor:
        """Pre-logits features of the unaugmented training images (from the cache when it holds exactly those)."""
        if self.cut.boundary == PRE_LOGITS and self.record["augment"] == "none":
            return self.store.rows("train", 0, len(self.training_set)).to(self.accelerator.device)
        return self.base.train_features()

    def predict(self, split: str) -> np.ndarray:
        """Predicted class ids for a split, in order, from its cached activations. Leaves the model in eval mode."""
        return self.scores(split).argmax(1).numpy()

    @torch.no_grad()
    def scores(self, split: str) -> torch.Tensor:
        """Logits (float32, on the CPU) of a split, in order, from its cached activations, each row scored once
        across the processes."""
        self.model.eval()
        rows = range(len(getattr(self.data, split)))
        return gathered_scores(self.accelerator, rows, lambda part: self._part_scores(split, part),
                               len(self.data.classes))

    def _part_scores(self, split: str, part: range) -> torch.Tensor:
        out = []
        with self._autocast():
            for start in range(part.start, part.stop, self.eval_batch_size):
                batch = self.store.rows(split, start, min(start + self.eval_batch_size, part.stop))
                out.append(self.cut.rest(batch.to(self.accelerator.device)).float().cpu())
        return torch.cat(out)

    def describe(self) -> dict:
        return dict(self.record)

