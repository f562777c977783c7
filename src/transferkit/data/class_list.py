"""A class list given by the user (`--classes a,b,c`): every label must be in it, and it fixes the class order."""

from __future__ import annotations

import numpy as np

from ..errors import DataError
from .sources import ImageSource

_SHOWN = 8  # class names quoted in a message


def parse_class_list(text: str) -> list[str]:
    """'cat, dog,bird' -> ['cat', 'dog', 'bird'] (checked by `check_class_list`)."""
    return check_class_list([part.strip() for part in str(text).split(",")])


def check_class_list(classes: list[str]) -> list[str]:
    """The list itself must name at least two distinct, non-empty classes."""
    names = [str(c) for c in classes]
    if any(not name.strip() for name in names):
        raise DataError("The class list has an empty name; write it as --classes cat,dog,bird.")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DataError(f"Class '{name}' is listed twice in the class list; list every class once.")
        seen.add(name)
    if len(names) < 2:
        raise DataError(f"The class list names {len(names)} class{'' if len(names) == 1 else 'es'}; "
                        "a classifier needs at least 2, so list them as --classes cat,dog.")
    return names


def apply_class_list(source: ImageSource, classes: list[str]) -> None:
    """Re-number `source`'s labels in the order of `classes`; DataError if a label is not in the list or a
    listed class has no images."""
    classes = check_class_list(classes)
    position = {name: i for i, name in enumerate(classes)}
    found = list(source.classes)
    for old, name in enumerate(found):
        if name not in position:
            example = _example(source, old)
            raise DataError(
                f"Label '{name}' in {source.spec}{example} is not in the given class list ({_listing(classes)}); "
                "fix the label, or add it to the class list."
            )
    present = set(found)
    empty = [name for name in classes if name not in present]
    if empty:
        raise DataError(
            f"Class '{empty[0]}' of the class list has no images in {source.spec}; add images or remove it from "
            "the class list."
        )
    mapping = np.array([position[name] for name in found], dtype=np.int64)
    source.labels = mapping[source.labels]
    source.classes = classes


def _example(source: ImageSource, label: int) -> str:
    entries = getattr(source, "entries", None)  # file sources: say which file carries the label
    if not entries:
        return ""
    index = int(np.flatnonzero(source.labels == label)[0])
    return f" (e.g. '{entries[index].relpath}')"


def _listing(classes: list[str]) -> str:
    shown = ", ".join(classes[:_SHOWN])
    return shown + (f" and {len(classes) - _SHOWN} more" if len(classes) > _SHOWN else "")
