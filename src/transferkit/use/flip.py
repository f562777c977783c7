"""Test-time augmentation by horizontal flip, allowed only where the run's own augmentation flipped images."""

from __future__ import annotations

from typing import Any

from ..data import augmentation_flips


def run_flipped(record: dict[str, Any] | None) -> bool:
    """True when some phase of the run trained on horizontally flipped images (so a flip keeps the label)."""
    phases = ((record or {}).get("plan") or {}).get("phases") or []
    data_flips = ((record or {}).get("data") or {}).get("horizontal_flip", True)
    return data_flips and any(augmentation_flips(p.get("augment", "none")) for p in phases)
