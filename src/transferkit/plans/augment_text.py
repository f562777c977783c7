"""Clauses on a phase's augmentations and loss, from its settings (a plan's phase or a run.json phase entry)."""

from __future__ import annotations

from typing import Any

_MIXES = (("mixup", "mixup"), ("cutmix", "CutMix"))


def augmentation_text(p: dict[str, Any]) -> str:
    """'augmentation PRESET', then timm's RandAugment, random erasing and mixup/CutMix where the phase sets them."""
    parts = [f"augmentation {p['augment']}"]
    if p.get("randaugment"):
        parts.append(f"then RandAugment {p['randaugment']}")
    if p.get("random_erasing"):
        parts.append(f"random erasing of each image with probability {p['random_erasing']:g}")
    mixes = [f"{label} (alpha {p[key]:g})" for key, label in _MIXES if p.get(key)]
    if mixes:
        parts.append(" or ".join(mixes) + " of each batch" + (", half the batches each" if len(mixes) == 2 else ""))
    return ", ".join(parts)


def loss_text(p: dict[str, Any]) -> str:
    """The loss: cross-entropy, or soft-target cross-entropy on mixed labels, with the label smoothing if any."""
    smoothing = f" with label smoothing {p['label_smoothing']:g}" if p["label_smoothing"] else ""
    if any(p.get(key) for key, _ in _MIXES):
        return f"soft-target cross-entropy loss on the mixed labels{smoothing}"
    return f"cross-entropy loss{smoothing}"
