"""`fashion-mnist`: the Fashion-MNIST data set as Debian's `dataset-fashion-mnist` installs it, with its class names."""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from .idx_source import IdxSource
from .registry import register_source

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                         "Ankle boot")


@register_source
class FashionMnistSource(IdxSource):
    """70,000 grayscale 28x28 images of 10 kinds of clothing: train (60,000) and t10k (10,000) as given splits."""

    prefix = "fashion-mnist"
    mirror_safe = True  # clothes keep their class when mirrored
    usage = "'fashion-mnist'"
    default_classes = FASHION_MNIST_CLASSES

    @classmethod
    def open(cls, spec: str, argument: str, *, progress: bool = True) -> FashionMnistSource:
        folder = FASHION_MNIST_DIR
        if not folder.is_dir() or not any(folder.glob("*-images-idx3-ubyte*")):
            raise DataError(f"Fashion-MNIST is not installed (no IDX files in {folder}); install it with "
                            "'apt-get install dataset-fashion-mnist', or pass idx:DIR with its IDX files.")
        return cls(spec, folder)
