"""What a phase trains from, and how a batch becomes logits.

`ImageInputs` feeds (augmented) images through the whole network. Other input kinds (for example cached
activations at the freeze boundary) implement the same three methods, so the training loop never changes.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader

from ..data import DataSplits, StreamedImages, StreamedTraining, phase_augmentation, uint8_batches
from .batches import AugmentedImages
from .epoch_sampler import epoch_order
from .modes import kept_modes
from .processes.sharded_eval import gathered_scores
from .processes.shards import prepare_training_loader


class ImageInputs:
    """Images through the whole (prepared) model; normalization happens on the device."""

    kind = "images"
    before_step = None  # the data-parallel wrapper averages the gradients itself

    def __init__(self, net, model: torch.nn.Module, data: DataSplits, accelerator, eval_batch_size: int = 256):
        self.net, self.model, self.data, self.accelerator = net, model, data, accelerator
        self.eval_batch_size = eval_batch_size

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        return self.net.preprocessing.normalize(images.to(self.accelerator.device, non_blocking=True))

    def train_loader(self, phase) -> DataLoader:
        """Batches of the training images in the order epoch_sampler.py gives, augmented as `phase` says (its
        preset, then RandAugment)."""
        train = self.data.train
        workers = 0
        if isinstance(train.images, StreamedImages):  # decoded and augmented from the original in worker processes
            dataset = StreamedTraining(train.images, train.labels, phase.augment, self.data.flip, phase.randaugment)
            workers = train.images.workers
        else:
            augment = phase_augmentation(phase.augment, phase.randaugment, tuple(train.images.shape[-2:]),
                                         self.data.flip, self.net.preprocessing)
            dataset = AugmentedImages(train.images, train.labels, augment)
        loader = DataLoader(dataset, **epoch_order(phase, self.data), num_workers=workers,
                            pin_memory=workers > 0 and torch.cuda.is_available())
        # workers are not persistent: a persistent iterator draws its workers' seed once, not every epoch, and the
        # streamed and in-memory paths would then draw different random numbers for the same run
        return prepare_training_loader(loader, self.accelerator)

    def set_epoch(self, epoch: int) -> None:
        """Called at the start of each epoch (images are augmented afresh each time, so nothing to do)."""

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.model(self.normalize(inputs))

    def image_batches(self, images: torch.Tensor | StreamedImages, batch_size: int):
        """Normalized batches of `images` in order (for statistics passes)."""
        for batch in uint8_batches(images, batch_size):
            yield self.normalize(batch)

    @torch.no_grad()
    def train_features(self) -> torch.Tensor:
        """Pre-logits features of the unaugmented training images, in eval mode (modes restored after)."""
        with kept_modes(self.model):
            self.model.eval()
            batches = self.image_batches(self.data.train.images, self.eval_batch_size)
            return torch.cat([self.net.features(batch) for batch in batches])

    def predict(self, split: str) -> np.ndarray:
        """Predicted class ids for a split, in order. Leaves the model in eval mode."""
        return self.scores(split).argmax(1).numpy()

    @torch.no_grad()
    def scores(self, split: str) -> torch.Tensor:
        """Logits (float32, on the CPU) of a split, in order, each image scored once across the processes. Leaves the
        model in eval mode."""
        self.model.eval()
        return gathered_scores(self.accelerator, getattr(self.data, split).images, self._split_scores,
                               len(self.data.classes))

    def _split_scores(self, images: torch.Tensor | StreamedImages) -> torch.Tensor:
        # through the unwrapped network: a data-parallel wrapper would synchronize buffers between processes
        model = self.accelerator.unwrap_model(self.model)
        return torch.cat([model(batch).float().cpu() for batch in self.image_batches(images, self.eval_batch_size)])

    def describe(self) -> dict:
        return {"used": False}
