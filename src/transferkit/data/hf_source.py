"""`HfSource`: a Hugging Face `datasets` data set, its named splits used as given.

`hf:PATH` opens a directory written by `save_to_disk`, or a folder of image files through the `imagefolder` builder
(class sub-folders, optionally under train/val/test folders); `hf:NAME` loads a hub data set where the network
allows. Pixels stay in the data set's Arrow files and are decoded when read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..errors import DataError
from .given_splits import SPLIT_WORDS, split_code
from .image_files import to_rgb_image
from .preprocessing import Preprocessing
from .registry import register_source
from .sources import ImageSource
from .text_source import TextSource

_SAVED_MARKERS = ("dataset_dict.json", "state.json")  # what `save_to_disk` writes


def load_hf(argument: str):
    """The DatasetDict (or Dataset) that `hf:argument` names; DataError when it cannot be loaded."""
    import datasets

    path = Path(argument).expanduser()
    try:
        if path.is_dir() and any((path / marker).exists() for marker in _SAVED_MARKERS):
            return datasets.load_from_disk(str(path))
        if path.is_dir():
            return datasets.load_dataset("imagefolder", data_dir=str(path))
        if path.exists() or argument.startswith((".", "/", "~")):
            raise DataError(f"'hf:{argument}' is not a directory; pass a directory written by save_to_disk, a folder "
                            "of images, or a Hugging Face hub name.")
        return datasets.load_dataset(argument)
    except DataError:
        raise
    except (ConnectionError, OSError) as e:
        raise DataError(f"Cannot load the Hugging Face data set '{argument}' ({type(e).__name__}: {e}); without a "
                        "network, pass a local directory (save_to_disk output or a folder of images).") from None
    except Exception as e:  # noqa: BLE001 - datasets raises many kinds of errors for bad names and files
        raise DataError(f"Cannot load the Hugging Face data set '{argument}': {e}") from None


def _columns(ds, argument: str) -> tuple[str, str]:
    """The image column (an `Image` feature) and the label column (a `ClassLabel`, else one named 'label')."""
    import datasets

    images = [name for name, f in ds.features.items() if isinstance(f, datasets.Image)]
    labels = [name for name, f in ds.features.items() if isinstance(f, datasets.ClassLabel)] or \
        [name for name in ds.features if name in ("label", "labels")]
    if not images or not labels:
        raise DataError(f"The Hugging Face data set '{argument}' needs an image column and a label column "
                        f"(a ClassLabel or 'label'); it has {list(ds.features)}.")
    return images[0], labels[0]


def text_column(loaded) -> str | None:
    """The text column of a data set without an image column: 'text', else its one string column."""
    import datasets

    first = loaded[next(iter(loaded))] if isinstance(loaded, datasets.DatasetDict) else loaded
    if any(isinstance(f, datasets.Image) for f in first.features.values()):
        return None
    strings = [n for n, f in first.features.items() if isinstance(f, datasets.Value) and f.dtype in ("string",
                                                                                                     "large_string")]
    strings = [n for n in strings if n not in ("label", "labels")]
    return "text" if "text" in strings else (strings[0] if len(strings) == 1 else None)


def _texts(spec: str, loaded, argument: str, column: str) -> TextSource:
    """Every split's texts, the split names given as splits (one split named train: drawn splits)."""
    import datasets

    parts = dict(loaded) if isinstance(loaded, datasets.DatasetDict) else {"train": loaded}
    given = len(parts) > 1 or "train" not in parts
    rows = []
    for name, ds in parts.items():
        code = split_code(name)
        if code is None:
            raise DataError(f"The Hugging Face data set '{argument}' has a split named '{name}'; name its splits "
                            f"{SPLIT_WORDS}.")
        label = _columns_of_labels(ds, argument)
        names = ds.features[label].names if isinstance(ds.features[label], datasets.ClassLabel) else None
        for j, (text, value) in enumerate(zip(ds[column], ds[label])):
            rows.append((f"{name}:{j}", text or "", names[value] if names else str(value), code if given else None))
    return TextSource(spec, rows, f"the Hugging Face data set '{argument}'")


def _columns_of_labels(ds, argument: str) -> str:
    import datasets

    labels = [n for n, f in ds.features.items() if isinstance(f, datasets.ClassLabel)] or \
        [n for n in ds.features if n in ("label", "labels")]
    if not labels:
        raise DataError(f"The Hugging Face data set '{argument}' needs a label column (a ClassLabel or 'label'); it "
                        f"has {list(ds.features)}.")
    return labels[0]


@register_source
class HfSource(ImageSource):
    """Every split of a Hugging Face data set; split names (train, validation, test, ...) become given splits."""

    prefix = "hf:"
    usage = ("'hf:NAME_OR_PATH' (a Hugging Face data set of images or texts: save_to_disk directory, image folder or "
             "hub name)")

    def __init__(self, spec: str, loaded, argument: str):
        import datasets

        self.spec, self.skipped = spec, []
        parts = dict(loaded) if isinstance(loaded, datasets.DatasetDict) else {"train": loaded}
        unknown = [name for name in parts if split_code(name) is None]
        if unknown:
            raise DataError(f"The Hugging Face data set '{argument}' has a split named '{unknown[0]}'; name its "
                            f"splits {SPLIT_WORDS}.")
        first = next(iter(parts.values()))
        self.image_column, label_column = _columns(first, argument)
        feature = first.features[label_column]
        raw = {name: ds[label_column] for name, ds in parts.items()}
        if isinstance(feature, datasets.ClassLabel):
            self.classes = list(feature.names)
            ids = {name: np.asarray(values, dtype=np.int64) for name, values in raw.items()}
        else:
            self.classes = sorted({str(v) for values in raw.values() for v in values})
            index = {name: i for i, name in enumerate(self.classes)}
            ids = {name: np.array([index[str(v)] for v in values], dtype=np.int64) for name, values in raw.items()}
        self._parts = [(name, ds) for name, ds in parts.items()]
        self._where = np.concatenate([np.stack([np.full(len(ds), k), np.arange(len(ds))], 1)
                                      for k, (_, ds) in enumerate(self._parts)]).astype(np.int64)
        self.labels = np.concatenate([ids[name] for name, _ in self._parts])
        codes = [np.full(len(ds), split_code(name), dtype=np.int8) for name, ds in self._parts]
        self.given_splits = np.concatenate(codes) if len(parts) > 1 or "train" not in parts else None
        self._fingerprints = {name: getattr(ds, "_fingerprint", "") for name, ds in self._parts}

    @classmethod
    def open(cls, spec: str, argument: str, *, progress: bool = True) -> HfSource:
        if not argument:
            raise DataError("'hf:' needs a data set: hf:PATH (save_to_disk directory or image folder) or hf:NAME.")
        loaded = load_hf(argument)
        text = text_column(loaded)
        return _texts(spec, loaded, argument, text) if text is not None else cls(spec, loaded, argument)

    def item_ids(self) -> list[str]:
        return [f"{self._parts[k][0]}:{j}" for k, j in self._where]

    def fingerprint_extra(self) -> dict:
        """The Arrow fingerprint of each split: a changed data set changes the run's data fingerprint."""
        return {"datasets": self._fingerprints}

    def original(self, index: int) -> Image.Image:
        k, j = self._where[index]
        name, ds = self._parts[k]
        try:
            image = ds[int(j)][self.image_column]
            return to_rgb_image(image if isinstance(image, Image.Image) else Image.open(image["path"]))
        except Exception as e:  # noqa: BLE001 - decoders of untrusted files raise many kinds of errors
            raise DataError(f"Image {j} of split '{name}' of {self.spec} cannot be decoded ({type(e).__name__}); "
                            "remove it from the data set.") from None

    def read(self, indices: Sequence[int], preprocessing: Preprocessing) -> torch.Tensor:
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        h, w = preprocessing.size_hw
        out = torch.empty((len(idx), 3, h, w), dtype=torch.uint8)
        for n, i in enumerate(idx):
            pixels = torch.from_numpy(np.asarray(self.original(int(i)), dtype=np.uint8).copy()).permute(2, 0, 1)
            out[n] = preprocessing.resize_crop(pixels)
        return out
