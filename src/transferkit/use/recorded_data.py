"""The images a run recorded: its data spec re-opened and split as the run split it (without the runs/ layer)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..settings import DataRef
from ..data import Preprocessing, make_split, open_source
from ..data.class_list import apply_class_list
from ..data.loading import read_images
from ..errors import TransferkitError


class RecordedDataUnavailable(TransferkitError):
    """The run names no data, or its data can no longer be read."""


def recorded_test_images(record: dict[str, Any] | None, preprocessing: Preprocessing, count: int) -> torch.Tensor:
    """The first `count` images of the test split that the run's seed draws from its data spec (the run's own test
    split, except in domain adaptation, which splits its target differently), uint8 at the input size."""
    spec = (record or {}).get("spec") or {}
    if "data" not in spec:
        raise RecordedDataUnavailable("the directory records no data spec")
    try:
        ref = DataRef.from_dict(spec["data"])
        source = open_source(ref.spec, progress=False)
        if ref.classes is not None:
            apply_class_list(source, list(ref.classes))
        split = make_split(source.labels, source.classes, labels_per_class=ref.labels_per_class,
                           val_fraction=ref.val_fraction, test_fraction=ref.test_fraction, seed=spec.get("seed", 0))
        return read_images(source, np.asarray(split.test[:count]), preprocessing, progress=False)
    except TransferkitError as e:
        raise RecordedDataUnavailable(str(e).rstrip(".")) from None
