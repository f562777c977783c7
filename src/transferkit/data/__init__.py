"""Data: sources behind one registry (folder, CSV, IDX, Fashion-MNIST, synthetic glyphs, bundled digits), given or
drawn splits, loading and augmentations."""

from __future__ import annotations

from .augmentation import AUGMENTATIONS, augmentation_flips, make_augmentation, phase_augmentation, with_rand_augment
from .loading import DataSplits, ImageTensors, load_data
from .preprocessing import Preprocessing
from .sources import ImageSource
from .registry import SOURCES, register_source
from .spec import open_source, open_unlabeled
from .splits import Split, make_split
from .streamed_images import StreamedImages, take, uint8_batches
from .streamed_training import StreamedTraining

# Importing a source module registers its source, once; the order here is the order of the help text.
from . import folder_source, csv_source, hf_source, idx_source, fashion_mnist  # noqa: F401, I001
from . import glyph_source, digits_source, fortunes_source  # noqa: F401, I001

__all__ = [
    "AUGMENTATIONS",
    "DataSplits",
    "ImageSource",
    "ImageTensors",
    "Preprocessing",
    "SOURCES",
    "Split",
    "StreamedImages",
    "StreamedTraining",
    "load_data",
    "augmentation_flips",
    "make_augmentation",
    "phase_augmentation",
    "make_split",
    "open_source",
    "open_unlabeled",
    "register_source",
    "take",
    "uint8_batches",
    "with_rand_augment",
]
