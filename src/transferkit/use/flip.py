"""Test-time augmentation by horizontal flip, allowed only where the run's own augmentation flipped images."""

from __future__ import annotations

from typing import Any

from torchvision.transforms import v2

from ..data import make_augmentation


def augmentation_flips(name: str) -> bool:
    """True when the training augmentation preset `name` includes a random horizontal flip."""
    transform = make_augmentation(name, (8, 8))
    parts = transform.transforms if isinstance(transform, v2.Compose) else [transform] if transform else []
    return any(isinstance(part, v2.RandomHorizontalFlip) for part in parts)


def run_flipped(record: dict[str, Any] | None) -> bool:
    """True when some phase of the run trained on horizontally flipped images (so a flip keeps the label)."""
    phases = ((record or {}).get("plan") or {}).get("phases") or []
    data_flips = ((record or {}).get("data") or {}).get("horizontal_flip", True)
    return data_flips and any(augmentation_flips(p.get("augment", "none")) for p in phases)
