"""How the target's label space relates to the source's: shared class names, and how well the source head's
predictions explain the target labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import homogeneity_score


@dataclass
class LabelSpace:
    """`shared`: target classes that are also source classes (by name). `overlap`: their fraction of the target
    classes. `head_accuracy`: the source head's accuracy on target images of shared classes (None if none are
    shared). `explained`: 1 - H(target label | source-head prediction) / H(target label), from 0 (the source classes
    say nothing about the target labels) to 1 (the target label is a function of the predicted source class, as
    when target classes regroup source classes)."""

    target_classes: list[str]
    shared: list[str]
    overlap: float
    head_accuracy: float | None
    explained: float

    @property
    def same(self) -> bool:
        return self.overlap == 1.0

    def to_dict(self) -> dict:
        return {"target_classes": len(self.target_classes), "shared_classes": len(self.shared),
                "shared": self.shared, "overlap": self.overlap, "source_head_accuracy": self.head_accuracy,
                "explained_by_source_classes": self.explained}


def _plain(name: str) -> str:
    return " ".join(name.replace("_", " ").lower().split())


def source_positions(source_classes: list[str]) -> dict[str, int]:
    """Each source class's id under its name and, for names that list synonyms ("jersey, T-shirt, tee shirt", as
    ImageNet's do), under each synonym; compared in lower case with underscores as spaces."""
    position: dict[str, int] = {}
    for i, name in enumerate(source_classes):
        for synonym in [name, *name.split(", ")]:
            position.setdefault(_plain(synonym), i)
    return position


def compare_label_spaces(source_classes: list[str], target_classes: list[str], target_labels: np.ndarray,
                         predicted: np.ndarray) -> LabelSpace:
    """`predicted`: the source head's class ids for the target images whose labels are `target_labels`. A target
    class is a source class when its name is one of the source class's names (see `source_positions`)."""
    position = source_positions(source_classes)
    shared = [c for c in target_classes if _plain(c) in position]
    overlap = len(shared) / len(target_classes) if target_classes else 0.0
    head_accuracy = None
    if shared:
        as_source = np.array([position.get(_plain(target_classes[t]), -1) for t in target_labels])
        mask = as_source >= 0
        head_accuracy = float((predicted[mask] == as_source[mask]).mean())
    explained = float(homogeneity_score(target_labels, predicted)) if len(target_labels) else 0.0
    return LabelSpace(list(target_classes), shared, overlap, head_accuracy, explained)
