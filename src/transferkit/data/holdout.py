"""`hold_out`: set part of a validation split aside (stratified, seeded), so that no choice ever sees it.

A comparison validates its runs on the rest (the selection part: it chooses the learning rate, the plan and the best
epoch) and evaluates the held-out part only after each run, which gives an estimate of the chosen run's quality
that is not the maximum of many noisy numbers.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import DataError
from .loading import DataSplits, ImageTensors
from .streamed_images import take
from .sources import sha256_text

HOLDOUT_STREAM = 7411  # keeps the holdout draw apart from the split draw of the same seed


def holdout_positions(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(selection, holdout) positions into a split with `labels`: floor(n * fraction) of each class's n images, drawn
    with `numpy.random.default_rng([seed, HOLDOUT_STREAM])`, are held out; both sorted."""
    labels = np.asarray(labels, dtype=np.int64)
    rng = np.random.default_rng([seed, HOLDOUT_STREAM])
    held: list[np.ndarray] = []
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        held.append(members[: int(np.floor(len(members) * fraction))])
    holdout = np.sort(np.concatenate(held)) if held else np.zeros(0, dtype=np.int64)
    selection = np.setdiff1d(np.arange(len(labels)), holdout)
    return selection.astype(np.int64), holdout.astype(np.int64)


def _part(parent: ImageTensors, positions: np.ndarray, role: str) -> ImageTensors:
    index = np.asarray(positions, dtype=np.int64)
    text = "\n".join([parent.fingerprint, role, ",".join(map(str, index.tolist()))])
    return ImageTensors(take(parent.images, index), parent.labels[index], sha256_text(text))


def hold_out(splits: DataSplits, fraction: float, seed: int) -> DataSplits:
    """`splits` with `val` cut into a selection part (the new `val`) and `holdout`; `options['holdout']` records the
    fraction, the seed, the whole validation split's size and fingerprint, and both parts' positions in it."""
    if splits.holdout is not None:
        raise DataError("This data already has a holdout split; hold out part of the validation split only once.")
    selection, holdout = holdout_positions(splits.val.labels.numpy(), fraction, seed)
    if not len(holdout):
        raise DataError(f"The validation split has {len(splits.val)} images, too few to hold out {fraction:g} of each "
                        "class; use more validation images (fewer --labels-per-class) or turn the holdout off "
                        "(--holdout 0).")
    record = {"fraction": fraction, "seed": seed,
              "validation": {"images": len(splits.val), "fingerprint": splits.val.fingerprint},
              "selection_positions": selection.tolist(), "holdout_positions": holdout.tolist()}
    return dataclasses.replace(splits, val=_part(splits.val, selection, "selection"),
                               holdout=_part(splits.val, holdout, "holdout"),
                               options={**splits.options, "holdout": record})
