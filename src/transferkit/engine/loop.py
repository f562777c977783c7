"""One training epoch and one evaluation pass. The training step reads only the phase, never a strategy name."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from ..errors import RunError


class AugmentedImages(Dataset):
    """uint8 images and labels in memory; `augment` (one image -> one image) applied per access."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, augment: Callable | None = None):
        self.images, self.labels, self.augment = images, labels, augment

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        image = self.images[i]
        if self.augment is not None:
            image = self.augment(image)
        return image, self.labels[i]


@dataclass
class EpochStats:
    loss: float
    accuracy: float
    images: int
    lr_start: dict[str, float]
    lr_end: dict[str, float]


def train_epoch(
    *,
    model: torch.nn.Module,
    loader: DataLoader,
    optimizer,
    scheduler,
    accelerator,
    normalize: Callable[[torch.Tensor], torch.Tensor],
    label_smoothing: float,
    extra_loss: Callable[[], torch.Tensor] | None,
    on_step: Callable[[], None] | None,
    phase_name: str,
) -> EpochStats:
    """Train for one pass over `loader`; stop with RunError on a NaN or infinite loss."""
    total_loss, correct, seen = 0.0, 0, 0
    lr_start = _group_lrs(optimizer)
    lr_end = lr_start
    for images, labels in loader:
        lr_end = _group_lrs(optimizer)
        logits = model(normalize(images))
        loss = F.cross_entropy(logits, labels, label_smoothing=label_smoothing)
        if extra_loss is not None:
            loss = loss + extra_loss()
        if not math.isfinite(loss.item()):
            rates = ", ".join(f"{k}={v:.3g}" for k, v in lr_end.items())
            raise RunError(
                f"The loss became {loss.item()} in phase '{phase_name}' (learning rates {rates}); "
                f"lower the learning rate and run again."
            )
        optimizer.zero_grad(set_to_none=True)
        accelerator.backward(loss)
        optimizer.step()
        scheduler.step()
        if on_step is not None:
            on_step()
        n = labels.shape[0]
        total_loss += loss.item() * n
        correct += int((logits.argmax(1) == labels).sum())
        seen += n
    return EpochStats(total_loss / max(seen, 1), correct / max(seen, 1), seen, lr_start, lr_end)


def _group_lrs(optimizer) -> dict[str, float]:
    return {g.get("name", str(i)): float(g["lr"]) for i, g in enumerate(optimizer.param_groups)}


@torch.no_grad()
def predict(model, images: torch.Tensor, normalize, accelerator, batch_size: int = 256) -> np.ndarray:
    """Predicted class ids for uint8 `images`, in order. Leaves the model in eval mode."""
    model.eval()
    out = []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size].to(accelerator.device)
        out.append(model(normalize(batch)).argmax(1).cpu())
    return torch.cat(out).numpy() if out else np.zeros(0, dtype=np.int64)
