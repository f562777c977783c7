"""`open_source`: turn a data spec string into an `ImageSource`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..console import logger
from ..errors import DataError
from .csv_source import CsvSource
from .digits_source import DigitsSource
from .folder_source import FolderSource
from .glyph_source import GlyphSource
from .sources import ImageSource

# name -> opener(spec, query, progress=...); the query is the text after '?' (may be empty)
SYNTHETIC: dict[str, Callable[..., ImageSource]] = {"glyphs": GlyphSource.from_options}

ACCEPTED = (
    "an image folder with one sub-folder per class, 'csv:FILE' (columns path,label), "
    "'synthetic:glyphs[?classes=400&per_class=50&size=32&seed=0&shift=contrast&severity=3]' or 'digits'"
)


def open_source(spec: str, *, progress: bool = True) -> ImageSource:
    """Open a data spec: a folder path, 'csv:FILE', 'synthetic:NAME[?options]' or 'digits'.

    File sources decode every image once when opened, and synthetic sets are generated, with a progress
    bar when `progress` is True and the work is long.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise DataError(f"The data spec is empty; pass {ACCEPTED}.")
    if spec.startswith("csv:"):
        path = Path(spec[len("csv:") :]).expanduser()
        return CsvSource(spec, path, progress=progress)
    if spec.startswith("synthetic:"):
        name, _, query = spec[len("synthetic:") :].partition("?")
        if name not in SYNTHETIC:
            available = ", ".join(f"synthetic:{n}" for n in sorted(SYNTHETIC))
            raise DataError(f"Unknown synthetic data set '{name}'; available: {available}.")
        return SYNTHETIC[name](spec, query, progress=progress)
    if spec == "digits":
        if Path("digits").is_dir():
            logger.warning("'digits' means the bundled scikit-learn digits; for the folder ./digits pass './digits'.")
        return DigitsSource(spec)
    path = Path(spec).expanduser()
    if not path.exists():
        raise DataError(f"Data path '{spec}' does not exist; pass {ACCEPTED}.")
    if path.is_file():
        if path.suffix.lower() == ".csv":
            raise DataError(f"'{spec}' is a CSV file; pass 'csv:{spec}' to read it as a list of path,label rows.")
        raise DataError(f"'{spec}' is a file, not a folder; pass {ACCEPTED}.")
    return FolderSource(spec, path, progress=progress)
