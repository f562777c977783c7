"""Data evaluated with a model must carry the model's class names."""

from __future__ import annotations

from ..errors import DataError

_SHOWN = 6


def check_same_classes(model_classes: list[str], data_classes: list[str], spec: str) -> None:
    """DataError, on one line, listing the class names found in only one of the two."""
    extra = [c for c in data_classes if c not in set(model_classes)]
    missing = [c for c in model_classes if c not in set(data_classes)]
    if not extra and not missing:
        return
    parts = []
    if extra:
        parts.append(f"in the data but not the model: {_names(extra)}")
    if missing:
        parts.append(f"in the model but not the data: {_names(missing)}")
    raise DataError(f"The classes of {spec} differ from the model's ({'; '.join(parts)}); evaluate on data labelled "
                    f"with the model's {len(model_classes)} classes ({_names(model_classes)}).")


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")
