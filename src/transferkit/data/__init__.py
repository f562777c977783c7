"""Data: sources behind one registry (folder, CSV, IDX, Fashion-MNIST, synthetic glyphs, bundled digits), given or
drawn splits, loading and augmentations."""

from __future__ import annotations

from .augmentation import AUGMENTATIONS, make_augmentation
from .loading import DataSplits, ImageTensors, load_data
from .preprocessing import Preprocessing
from .ref import DataRef
from .sources import ImageSource
from .registry import register_source
from .spec import open_source, open_unlabeled
from .splits import Split, make_split

__all__ = [
    "AUGMENTATIONS",
    "DataRef",
    "DataSplits",
    "ImageSource",
    "ImageTensors",
    "Preprocessing",
    "Split",
    "load_data",
    "make_augmentation",
    "make_split",
    "open_source",
    "open_unlabeled",
    "register_source",
]
