"""`DigitsSource`: scikit-learn's bundled handwritten digits (1,797 images of 8x8 pixels, classes "0".."9")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from ..console import logger
from .array_source import ArraySource
from .registry import register_source


@register_source
class DigitsSource(ArraySource):
    """Real handwritten digits shipped with scikit-learn (no download); values 0..16 scaled to 0..255."""

    prefix = "digits"
    mirror_safe = False  # a mirrored digit is another shape
    usage = "'digits'"

    def __init__(self, spec: str = "digits"):
        digits = load_digits()
        images = np.round(np.asarray(digits.images, dtype=np.float64) * (255.0 / 16.0)).astype(np.uint8)
        classes = [str(name) for name in digits.target_names]
        super().__init__(spec, images, np.asarray(digits.target, dtype=np.int64), classes, id_prefix="digits")

    @classmethod
    def open(cls, spec: str, argument: str, *, progress: bool = True) -> DigitsSource:
        if Path("digits").is_dir():
            logger.warning("'digits' means the bundled scikit-learn digits; for the folder ./digits pass './digits'.")
        return cls(spec)

    def fingerprint_extra(self) -> dict:
        return {**super().fingerprint_extra(), "dataset": "sklearn.datasets.load_digits"}
