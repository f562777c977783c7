"""Training images from a streamed split: augmented from the original image, decoded in DataLoader workers."""

from __future__ import annotations

import torch
from torch.utils.data import Dataset

from .augmentation import make_augmentation, with_rand_augment
from .streamed_images import StreamedImages

STANDARD_SCALE = (0.5, 1.0)  # the area range of the in-memory `standard` preset


class StreamedTraining(Dataset):
    """(uint8 image (3, H, W), label) pairs. `standard`: timm's training transform on the original image (random
    resized crop to the input size, 50% to 100% of the area, then a horizontal flip where `flip`, then RandAugment
    with `randaugment`, a timm policy or None); other presets: the image as evaluation reads it, then the in-memory
    preset's transform and RandAugment, as on the in-memory path."""

    def __init__(self, images: StreamedImages, labels: torch.Tensor, augment: str, flip: bool = True,
                 randaugment: str | None = None):
        self.images, self.labels = images, labels
        if augment == "standard":
            from .timm_transforms import original_training_transform  # timm loads when a phase trains

            self.original = original_training_transform(images.preprocessing, STANDARD_SCALE, flip, randaugment)
            self.transform = None
        else:
            self.original = None
            preset = make_augmentation(augment, images.preprocessing.size_hw, flip)
            self.transform = with_rand_augment(preset, randaugment, images.preprocessing)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        image = self.images[i] if self.original is None else self.original(self.images.original(i))
        if self.transform is not None:
            image = self.transform(image)
        return image, self.labels[i]
