"""What a training batch costs: its logits and loss, after the phase's batch augmentations."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from timm.loss import SoftTargetCrossEntropy

from .batch_augment import BatchAugment


class TrainingObjective:
    """(inputs, labels) -> (logits, loss). Cross-entropy with the phase's label smoothing and `class_weights`; after
    mixup or CutMix, timm's soft-target cross-entropy on the mixed targets (their label smoothing applied in mixing).
    Random erasing and mixing act on images, so a phase that uses them trains on images, never cached activations."""

    def __init__(self, inputs, phase, class_weights: torch.Tensor | None = None):
        self.inputs, self.class_weights, self.label_smoothing = inputs, class_weights, phase.label_smoothing
        self.augment = BatchAugment.for_phase(phase, len(inputs.data.classes), inputs.accelerator.device)
        self.soft_loss = SoftTargetCrossEntropy()

    def __call__(self, inputs: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        labels = labels.to(self.inputs.accelerator.device)
        if self.augment is None:
            logits = self.inputs.forward(inputs)
            targets = labels
        else:
            images, targets = self.augment(self.inputs.normalize(inputs), labels)
            logits = self.inputs.model(images)
        if targets.ndim == 2:
            return logits, self.soft_loss(logits.float(), targets)
        weight = None if self.class_weights is None else self.class_weights.to(logits.device, logits.dtype)
        return logits, F.cross_entropy(logits, targets, weight=weight, label_smoothing=self.label_smoothing)
