"""DataRef: which data a run uses and how it is split, as plain data (checked once, on construction)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from ..errors import DataError
from .class_list import check_class_list


def check_holdout_fraction(fraction) -> float | None:
    """None (no holdout) or a fraction strictly between 0 and 1."""
    if fraction is None:
        return None
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise DataError(f"The holdout fraction must be between 0 and 1 (0.5 holds out half of each class's "
                        f"validation images); got {fraction!r}.")
    return float(fraction)


@dataclass(frozen=True)
class DataRef:
    """The target data spec and how it is split.

    `labels_per_class`: draw K labelled training images per class (the rest is split into validation and
    test); otherwise `val_fraction` and `test_fraction` of each class are held out. `classes`: the class list
    (every label must be in it; its order gives the label ids). Domain adaptation: `source` is labelled source
    data with the target's classes to train on, `unlabeled` the unlabelled target images to adapt to; the
    target (`spec`) is then only evaluated on. `holdout_fraction`: that fraction of each class's validation images
    is held out from every choice and only evaluated at the end (see holdout.py; not with `source`).
    `max_bad_fraction`: unreadable images are left out (and listed), but more than this fraction of them is an error.
    """

    spec: str
    labels_per_class: int | None = None
    classes: tuple[str, ...] | None = None
    val_fraction: float = 0.2
    test_fraction: float = 0.2
    source: str | None = None
    unlabeled: str | None = None
    holdout_fraction: float | None = None
    max_bad_fraction: float = 0.01

    def __post_init__(self) -> None:
        if not isinstance(self.spec, str) or not self.spec.strip():
            raise DataError("The data spec is empty; pass an image folder, csv:FILE, synthetic:glyphs or digits.")
        k = self.labels_per_class
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
            raise DataError(f"labels_per_class must be a whole number of at least 1; got {k!r}.")
        if self.classes is not None:
            object.__setattr__(self, "classes", tuple(check_class_list(list(self.classes))))
        fractions = (self.val_fraction, self.test_fraction)
        if not all(isinstance(f, (int, float)) and not isinstance(f, bool) and 0 < f < 1 for f in fractions) \
                or sum(fractions) >= 1:
            raise DataError("val_fraction and test_fraction must each be between 0 and 1 and sum to less than 1; "
                            f"got {self.val_fraction!r} and {self.test_fraction!r}.")
        for name in ("source", "unlabeled"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise DataError(f"The --{name} spec is empty; pass a data spec or drop --{name}.")
        object.__setattr__(self, "holdout_fraction", check_holdout_fraction(self.holdout_fraction))
        bad = self.max_bad_fraction
        if isinstance(bad, bool) or not isinstance(bad, (int, float)) or not 0 <= bad <= 1:
            raise DataError(f"--max-bad-fraction must be between 0 and 1 (0.01: at most 1% of the images may be "
                            f"unreadable); got {bad!r}.")
        if self.holdout_fraction is not None and self.source is not None:
            raise DataError("A holdout of the validation split needs a labelled target split; with --source, model "
                            "selection uses the source's validation images; drop the holdout.")
        if self.unlabeled is not None and self.source is None:
            raise DataError("--unlabeled needs --source: domain adaptation trains on labelled source images and adapts "
                            "to the unlabelled target images; pass --source with the labelled source data.")

    @property
    def domain_adaptation(self) -> bool:
        """True when the run trains on a labelled source and is evaluated on this target."""
        return self.source is not None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["classes"] = list(self.classes) if self.classes is not None else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DataRef:
        known = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or "spec" not in data:
            raise DataError(f"A data reference must be a mapping with a 'spec'; got {data!r}.")
        unknown = sorted(set(data) - known)
        if unknown:
            raise DataError(f"Unknown data setting {unknown[0]!r}; valid settings are {sorted(known)}.")
        return cls(**data)
