"""A phase's augmentations of whole training batches, with timm, on the device after normalization (where timm's
prefetching loader applies them): random erasing of each image, then mixup or CutMix of the batch."""

from __future__ import annotations

import torch
from timm.data import Mixup
from timm.data.mixup import mixup_target
from timm.data.random_erasing import RandomErasing

from ...data.torch_draws import draws_from_torch


class BatchAugment:
    """(normalized images, labels) -> (images, targets). Random erasing: timm's `RandomErasing` with per-pixel normal
    noise (timm's training default), with the phase's probability per image. Mixup/CutMix: timm's `Mixup`, one mixing
    weight per batch drawn from Beta(alpha, alpha), each image mixed with the one at the other end of the batch (first
    with last, second with second-to-last, ...; with both set, one or the other, half the batches each); targets become
    soft (N, classes), with the phase's label smoothing. In a batch of odd size the last image stays unmixed (timm
    mixes pairs), its target one-hot with the same smoothing. Draws follow torch's generator."""

    def __init__(self, phase, classes: int, device: torch.device):
        self.erase = None
        if phase.random_erasing > 0:
            self.erase = RandomErasing(probability=phase.random_erasing, mode="pixel", device=device)
        self.mix = None
        if phase.mixup > 0 or phase.cutmix > 0:
            self.mix = Mixup(mixup_alpha=phase.mixup, cutmix_alpha=phase.cutmix, label_smoothing=phase.label_smoothing,
                             num_classes=classes)
        self.classes, self.smoothing = classes, phase.label_smoothing

    @classmethod
    def for_phase(cls, phase, classes: int, device: torch.device) -> BatchAugment | None:
        """None when the phase neither erases nor mixes."""
        if phase.random_erasing == 0 and phase.mixup == 0 and phase.cutmix == 0:
            return None
        return cls(phase, classes, device)

    def __call__(self, images: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        with draws_from_torch():
            if self.erase is not None:
                images = self.erase(images)
            if self.mix is None:
                return images, labels
            even = len(images) - len(images) % 2
            targets = mixup_target(labels, self.classes, 1.0, self.smoothing)
            if even:
                targets[:even] = self.mix(images[:even], labels[:even])[1]
            return images, targets
