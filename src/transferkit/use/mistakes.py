"""What a model gets wrong, as numbers for the record: the highest-loss images (with small thumbnails), the most
confused class pairs, and calibration (expected calibration error over confidence bins, Guo et al. 2017)."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import torch
from PIL import Image

GALLERY = 12  # highest-loss images shown
PAIRS = 10  # most-confused pairs listed
BINS = 10  # equal-width confidence bins
THUMBNAIL = 96  # longest thumbnail side in pixels (smaller images are kept as they are)


def thumbnail_png(image: torch.Tensor) -> str:
    """A uint8 image (3, H, W) as a base64 PNG, shrunk to THUMBNAIL pixels on its longest side if larger."""
    picture = Image.fromarray(image.permute(1, 2, 0).numpy())
    picture.thumbnail((THUMBNAIL, THUMBNAIL), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _view(item: torch.Tensor | str) -> dict[str, str]:
    """How the gallery shows one item: a text as it is, an image as a thumbnail."""
    return {"text": item} if isinstance(item, str) else {"thumbnail": thumbnail_png(item)}


def highest_loss(probs: np.ndarray, labels: np.ndarray, images: torch.Tensor | list[str], classes: list[str],
                 count: int = GALLERY) -> list[dict[str, Any]]:
    """The `count` images with the largest cross-entropy loss, largest first (ties: the earlier image)."""
    true_p = probs[np.arange(len(labels)), labels]
    loss = -np.log(np.clip(true_p, 1e-12, 1.0))
    order = np.argsort(-loss, kind="stable")[:count]
    predicted = probs.argmax(1)
    return [{"index": int(i), "true": classes[labels[i]], "predicted": classes[predicted[i]],
             "confidence": float(probs[i, predicted[i]]), "true_probability": float(true_p[i]),
             "loss": float(loss[i]), "correct": bool(predicted[i] == labels[i]), **_view(images[i])}
            for i in order]


def confused_pairs(matrix: list[list[int]], classes: list[str], count: int = PAIRS) -> list[dict[str, Any]]:
    """The off-diagonal cells of a confusion matrix (rows true, columns predicted) with the most images."""
    counts = np.asarray(matrix, dtype=np.int64)
    totals = counts.sum(1)
    cells = [(int(counts[i, j]), i, j) for i in range(len(classes)) for j in range(len(classes))
             if i != j and counts[i, j] > 0]
    cells.sort(key=lambda c: (-c[0], c[1], c[2]))
    return [{"true": classes[i], "predicted": classes[j], "count": n, "share_of_true": n / int(totals[i])}
            for n, i, j in cells[:count]]


def calibration(probs: np.ndarray, labels: np.ndarray, bins: int = BINS) -> dict[str, Any]:
    """Expected calibration error: the image-weighted mean |accuracy - confidence| over equal-width confidence
    bins, with each bin's numbers (the reliability diagram)."""
    confidence = probs.max(1)
    correct = probs.argmax(1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    where = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        members = where == b
        n = int(members.sum())
        row = {"low": float(edges[b]), "high": float(edges[b + 1]), "images": n,
               "confidence": float(confidence[members].mean()) if n else None,
               "accuracy": float(correct[members].mean()) if n else None}
        if n:
            ece += n / len(labels) * abs(row["accuracy"] - row["confidence"])
        table.append(row)
    return {"ece": float(ece), "bins": bins, "images": int(len(labels)),
            "mean_confidence": float(confidence.mean()) if len(labels) else None,
            "accuracy": float(correct.mean()) if len(labels) else None, "reliability": table}


def mistakes_record(probs: np.ndarray, labels: np.ndarray, images: torch.Tensor | list[str], classes: list[str],
                    matrix: list[list[int]], split: str = "test") -> dict[str, Any]:
    """The record's `mistakes`: gallery, confused pairs and calibration of one evaluated split."""
    labels = np.asarray(labels, dtype=np.int64)
    return {"split": split, "gallery": highest_loss(probs, labels, images, classes),
            "confused_pairs": confused_pairs(matrix, classes), "calibration": calibration(probs, labels)}
