"""Data: sources behind one registry (folder, CSV, IDX, Fashion-MNIST, synthetic glyphs, bundled digits), given or
drawn splits, loading and augmentations."""

from __future__ import annotations

from .augmentation import AUGMENTATIONS, make_augmentation, phase_augmentation, with_rand_augment
from .loading import DataSplits, ImageTensors, load_data
from .preprocessing import Preprocessing
from .read_settings import ReadSettings
from .ref import DataRef
from .sources import ImageSource
from .registry import register_source
from .spec import open_source, open_unlabeled
from .splits import Split, make_split
from .streamed_images import StreamedImages, take, uint8_batches
from .streamed_training import StreamedTraining

__all__ = [
    "AUGMENTATIONS",
    "DataRef",
    "DataSplits",
    "ImageSource",
    "ImageTensors",
    "Preprocessing",
    "ReadSettings",
    "Split",
    "StreamedImages",
    "StreamedTraining",
    "load_data",
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
