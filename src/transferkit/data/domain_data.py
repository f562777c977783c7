"""The data of a domain-adaptation run: labelled source images to train on, unlabelled target images to adapt to,
and the labelled target to evaluate on (a few of its labels may serve for model selection).

Roles: train = the source's train split (its labels train the head); val = a few labelled target images per class
when `labels_per_class` is given, else the source's validation split; test = the rest of the target (every target
image when no labels are used for selection); unlabeled = the unlabelled target images (their labels, if any, are
never read).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError
from ..settings import DataRef
from .class_list import apply_class_list, check_class_list
from .loading import DataSplits, ImageTensors, read_parts
from .preprocessing import Preprocessing
from .sources import ImageSource
from .spec import open_source
from .given_splits import split_source
from .unlabeled import UnlabeledImages, load_unlabeled

SOURCE_VAL_FRACTION = 0.2
SOURCE_TEST_FRACTION = 0.05  # held out of the source and not used (make_split keeps a test part)


@dataclass
class DomainSplits(DataSplits):
    """DataSplits whose parts come from different data sets (see `roles`), plus the unlabelled target images."""

    unlabeled: UnlabeledImages | None = None
    roles: dict = field(default_factory=dict)
    source_val: ImageTensors | None = None  # the source's validation split, whatever `val` holds

    def domain_of(self, split: str) -> str:
        """'source' or 'target': whose images a split holds (train is the source; test the target)."""
        if split == "train" or (split == "val" and self.val is self.source_val):
            return "source"
        return "target"

    def summary(self) -> dict:
        out = super().summary()
        out["roles"] = self.roles
        out["unlabeled"] = self.unlabeled.summary() if self.unlabeled is not None else None
        return out


def _same_classes(source: ImageSource, target: ImageSource) -> None:
    missing = [c for c in target.classes if c not in set(source.classes)]
    extra = [c for c in source.classes if c not in set(target.classes)]
    if missing or extra:
        which = (f"{len(missing)} target classes are not source classes (e.g. '{missing[0]}')" if missing
                 else f"{len(extra)} source classes have no target images (e.g. '{extra[0]}')")
        raise DataError(f"The classes of --source {source.spec} do not match those of --data {target.spec}: {which}; "
                        "domain adaptation needs the same classes in both; pass a source with the target's classes.")


def load_domain_data(data: DataRef, preprocessing: Preprocessing, *, seed: int = 0,
                     progress: bool = True) -> DomainSplits:
    """Open the three data sets of `data` (its `source`, its target `spec` and its `unlabeled` images), check that
    source and target have the same classes, and split them by role."""
    source_spec, target_spec, unlabeled_spec = data.source, data.spec, data.unlabeled
    labels_per_class, classes = data.labels_per_class, data.classes
    source = open_source(source_spec, progress=progress)
    target = open_source(target_spec, progress=progress)
    _same_classes(source, target)
    if classes is not None:
        apply_class_list(source, check_class_list(classes))
    apply_class_list(target, list(source.classes))
    source_split, source_given = split_source(source, val_fraction=SOURCE_VAL_FRACTION,
                                              test_fraction=SOURCE_TEST_FRACTION, seed=seed)
    train, source_val, _ = read_parts(source, (source_split.train, source_split.val, source_split.test),
                                      preprocessing, progress=progress)
    if labels_per_class is not None:
        split, target_given = split_source(target, labels_per_class=labels_per_class, seed=seed)
        val, test = read_parts(target, (split.train, np.sort(np.concatenate([split.val, split.test]))),
                               preprocessing, progress=progress)
        val_role = f"{labels_per_class} labelled target images per class from {target_spec} (model selection)"
    else:
        target_given = None
        val = source_val
        (test,) = read_parts(target, (np.arange(len(target)),), preprocessing, progress=progress)
        val_role = f"the source's validation split ({source_spec})"
    unlabeled = load_unlabeled(unlabeled_spec, preprocessing, progress=progress) if unlabeled_spec else None
    roles = {
        "train": f"labelled source images: the train split of {source_spec}",
        "val": val_role,
        "test": f"labelled target images from {target_spec}, used only for the test metrics",
        "unlabeled": (f"unlabelled target images from {unlabeled_spec}" if unlabeled_spec else None),
        "source": {"spec": source_spec, "fingerprint": source.fingerprint(), "images": len(source),
                   "given_splits": source_given},
        "target": {"spec": target_spec, "fingerprint": target.fingerprint(), "images": len(target),
                   "given_splits": target_given},
    }
    return DomainSplits(
        spec=source_spec, classes=list(source.classes), train=train, val=val, test=test,
        skipped=[*source.skipped, *target.skipped], fingerprint=source.fingerprint(),
        options={"labels_per_class": labels_per_class, "seed": seed, "val_fraction": SOURCE_VAL_FRACTION,
                 "test_fraction": SOURCE_TEST_FRACTION, "classes": list(classes) if classes else None,
                 "source": source_spec, "target": target_spec, "unlabeled": unlabeled_spec},
        unlabeled=unlabeled, roles=roles, source_val=source_val, flip=source.mirror_safe,
    )
