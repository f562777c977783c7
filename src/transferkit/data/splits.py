"""`make_split`: deterministic, stratified, seeded train / validation / test splits."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import DataError


@dataclass
class Split:
    """Sorted int64 index arrays into a source, one per part; every class is in every part."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def make_split(
    labels: np.ndarray,
    classes: list[str],
    *,
    labels_per_class: int | None = None,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> Split:
    """Split each class separately, in class order, with one `numpy.random.default_rng(seed)`.

    With `labels_per_class=K`: exactly K images per class to train; the rest of each class is halved
    into validation and test (validation gets the odd one). Without it: `val_fraction` and
    `test_fraction` of each class (rounded, at least 1 each) and the rest to train.
    """
    labels = np.asarray(labels, dtype=np.int64)
    check_split_arguments(labels, classes, labels_per_class, val_fraction, test_fraction)
    rng = np.random.default_rng(seed)
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for c, name in enumerate(classes):
        members = np.flatnonzero(labels == c)
        n_train, n_val = _class_sizes(name, len(members), labels_per_class, val_fraction, test_fraction)
        order = rng.permutation(members)
        for part, chunk in zip(parts, np.split(order, [n_train, n_train + n_val])):
            part.append(chunk)
    train, val, test = (np.sort(np.concatenate(p)).astype(np.int64) for p in parts)
    return Split(train=train, val=val, test=test)


def _class_sizes(
    name: str, n: int, labels_per_class: int | None, val_fraction: float, test_fraction: float
) -> tuple[int, int]:
    """(train, validation) counts for a class of n images; the rest is test. Raises DataError if too small."""
    if labels_per_class is not None:
        need = labels_per_class + 2
        if n < need:
            raise DataError(
                f"Class '{name}' has {_images(n)}; --labels-per-class {labels_per_class} needs at least {need} "
                f"({labels_per_class} to train, 1 to validate, 1 to test)."
            )
        rest = n - labels_per_class
        return labels_per_class, (rest + 1) // 2
    if n < 3:
        raise DataError(
            f"Class '{name}' has {_images(n)}; every class needs at least 3 (train, validation, test); "
            "add images or remove the class."
        )
    n_val = max(1, round_half_up(n * val_fraction))
    n_test = max(1, round_half_up(n * test_fraction))
    while n - n_val - n_test < 1:  # keep at least one training image: shrink the larger held-out part
        if n_val >= n_test:
            n_val -= 1
        else:
            n_test -= 1
    return n - n_val - n_test, n_val


def check_split_arguments(
    labels: np.ndarray, classes: list[str], labels_per_class: int | None, val_fraction: float, test_fraction: float
) -> None:
    if len(classes) < 2:
        raise DataError(f"Splitting needs at least 2 classes; got {len(classes)}.")
    if labels.size and (labels.min() < 0 or labels.max() >= len(classes)):
        raise DataError(f"Labels must be class ids from 0 to {len(classes) - 1}; got {labels.min()} to {labels.max()}.")
    whole = isinstance(labels_per_class, (int, np.integer)) and not isinstance(labels_per_class, bool)
    if labels_per_class is not None and (not whole or labels_per_class < 1):
        raise DataError(f"labels_per_class must be a whole number of at least 1; got {labels_per_class!r}.")
    fractions_ok = all(isinstance(f, (int, float)) and 0 < f < 1 for f in (val_fraction, test_fraction))
    if not fractions_ok or val_fraction + test_fraction >= 1:
        raise DataError(
            "val_fraction and test_fraction must each be between 0 and 1 and sum to less than 1; "
            f"got {val_fraction!r} and {test_fraction!r}."
        )


def round_half_up(x: float) -> int:
    """Round half up (Python's round() rounds half to even)."""
    return int(math.floor(x + 0.5))


def _images(n: int) -> str:
    return f"{n} image" if n == 1 else f"{n} images"
