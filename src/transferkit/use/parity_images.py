"""Real images to check an exported model on: given files, or the first images of the run's test split."""

from __future__ import annotations

import torch

from ..errors import RunError
from .file_inputs import image_paths
from .loaded import LoadedModel
from .recorded_data import RecordedDataUnavailable, recorded_test_images

PARITY_IMAGES = 32


def parity_images(loaded: LoadedModel, images: list[str] | None = None) -> torch.Tensor:
    """uint8 images (N, 3, H, W) at the model's input size, at most PARITY_IMAGES."""
    if images:
        return loaded.transform.resized_all(image_paths(images)[:PARITY_IMAGES])
    try:
        return recorded_test_images(loaded.record, loaded.transform.preprocessing, PARITY_IMAGES)
    except RecordedDataUnavailable as e:
        raise RunError(f"No images to check the export on ({e}); pass a few with --images.") from None
