"""The image files a command is given: files, folders (every image below), glob patterns, and CSV lists of paths."""

from __future__ import annotations

import csv
import glob
import io
import os
from pathlib import Path

from ..console import logger
from ..data.image_files import IMAGE_EXTENSIONS, is_image_name
from ..errors import DataError

_PATTERN_CHARS = "*?["


def image_paths(inputs: list[str]) -> list[Path]:
    """Every input expanded, in the order given: a folder gives its images (sorted, hidden ones left out), a
    pattern its matches (sorted; ** reaches into sub-folders), a .csv file its 'path' column (relative to the CSV
    file), any other path itself (an unreadable or missing file gets its own error row later). Files in a folder
    without an image extension are skipped with one warning that counts them."""
    if not inputs:
        raise DataError("No images given; pass image files, folders, glob patterns or a CSV file with a path column.")
    paths: list[Path] = []
    skipped: list[Path] = []
    for item in inputs:
        path = Path(item).expanduser()
        if path.is_dir():
            images, others = _folder_files(path)
            paths.extend(images)
            skipped.extend(others)
        elif path.suffix.lower() == ".csv" and path.is_file():
            paths.extend(_csv_paths(path))
        elif not path.exists() and any(c in item for c in _PATTERN_CHARS):
            found = sorted(glob.glob(str(path), recursive=True))
            if not found:
                raise DataError(f"The pattern '{item}' matches no files; check it (quote it so the shell leaves it "
                                "to transferkit).")
            paths.extend(Path(p) for p in found if not Path(p).is_dir())
        else:
            paths.append(path)
    if skipped:
        warn_skipped(skipped)
    return paths


def warn_skipped(skipped: list[Path]) -> None:
    """One warning: how many files of the given folders were skipped, why, and which (the first three)."""
    names = ", ".join(str(p) for p in skipped[:3]) + (", ..." if len(skipped) > 3 else "")
    count = "1 file" if len(skipped) == 1 else f"{len(skipped)} files"
    logger.warning(f"Skipped {count} without an image extension in the given folders ({names}); supported "
                   f"extensions: {', '.join(IMAGE_EXTENSIONS)}.")


def _folder_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """The images below `folder` and its other visible files (both sorted; hidden files and folders left out)."""
    found, others = [], []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(f for f in filenames if not f.startswith(".")):
            (found if is_image_name(name) else others).append(Path(dirpath) / name)
    if not found:
        raise DataError(f"Folder '{folder}' holds no images; pass a folder with image files in it (or below it).")
    return found, others


def _csv_paths(csv_file: Path) -> list[Path]:
    try:
        text = csv_file.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"Cannot read CSV file '{csv_file}' ({e}); save it as UTF-8 with a 'path' column.") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = [(name or "").strip() for name in reader.fieldnames or []]
    if "path" not in fields:
        raise DataError(f"CSV file '{csv_file}' has no 'path' column (found: {', '.join(fields) or 'none'}); write "
                        "a header line naming it, then one image path per row.")
    reader.fieldnames = fields
    rows = [(row.get("path") or "").strip() for row in reader]
    return [csv_file.parent / row for row in rows if row]
