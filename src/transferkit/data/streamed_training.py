"""Training images from a streamed split: augmented from the original image, decoded in DataLoader workers."""

from __future__ import annotations

import torch
from timm.data.transforms_factory import transforms_imagenet_train
from torch.utils.data import Dataset

from .augmentation import make_augmentation
from .rand_augment import with_rand_augment
from .streamed_images import StreamedImages

STANDARD_SCALE = (0.5, 1.0)  # the area range of the in-memory `standard` preset


class StreamedTraining(Dataset):
    """(uint8 image (3, H, W), label) pairs. `standard`: timm's training transform on the original image (random
    resized crop to the input size, 50% to 100% of the area, then a horizontal flip where `flip`); other presets: the
    image as evaluation reads it, then the in-memory preset's transform. Then RandAugment with `randaugment` (a timm
    policy; None: none), as on the in-memory path."""

    def __init__(self, images: StreamedImages, labels: torch.Tensor, augment: str, flip: bool = True,
                 randaugment: str | None = None):
        self.images, self.labels = images, labels
        size, standard = images.preprocessing.size_hw, augment == "standard"
        # use_prefetcher=True: timm stops at a uint8 tensor; normalization happens on the device
        self.original = transforms_imagenet_train(size, scale=STANDARD_SCALE, hflip=0.5 if flip else 0.0,
                                                  color_jitter=None, interpolation=images.preprocessing.interpolation,
                                                  use_prefetcher=True) if standard else None
        preset = None if standard else make_augmentation(augment, size, flip)
        self.transform = with_rand_augment(preset, randaugment, images.preprocessing)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        image = self.images[i] if self.original is None else self.original(self.images.original(i))
        if self.transform is not None:
            image = self.transform(image)
        return image, self.labels[i]
