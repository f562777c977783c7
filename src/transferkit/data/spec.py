"""`open_source`: turn a data spec string into an `ImageSource`, through the data-source registry."""

from __future__ import annotations

from ..errors import DataError
from .registry import accepted, find_source
from .sources import ImageSource


def open_source(spec: str, *, progress: bool = True) -> ImageSource:
    """Open a data spec with the source registered for it: a folder path, 'csv:FILE', 'synthetic:NAME[?options]',
    'digits', ...

    File sources decode every image once when opened, and synthetic sets are generated, with a progress
    bar when `progress` is True and the work is long.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise DataError(f"The data spec is empty; pass {accepted()}.")
    cls, argument = find_source(spec)
    return cls.open(spec, argument, progress=progress)


def open_unlabeled(spec: str, *, progress: bool = True) -> ImageSource:
    """Open a data spec as unlabelled images: a folder of images in any layout, else what `open_source` opens
    (labels are then never read)."""
    if not isinstance(spec, str) or not spec.strip():
        raise DataError("The --unlabeled spec is empty; pass a folder of target images or a data spec.")
    cls, argument = find_source(spec)
    return cls.open_unlabeled(spec, argument, progress=progress)
