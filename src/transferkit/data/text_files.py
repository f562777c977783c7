"""Text read from files: a CSV with a `text` column (`csv:FILE`), and a folder of .txt files per class.

A CSV of text has the columns text,label and optionally split (train, val, test), one row per text. A text folder
has one sub-folder per class (or train/val/test folders of class folders), each text one .txt file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import DataError
from .given_splits import SPLIT_WORDS, split_code
from .text_source import TextSource

TEXT_COLUMNS = ("text", "label")
TEXT_SUFFIX = ".txt"


def is_text_csv(header: list[str]) -> bool:
    """A header with a text column and no path column: the CSV lists texts, not image files."""
    return "text" in header and "path" not in header


def read_text_csv(spec: str, csv_path: Path, text: str) -> TextSource:
    """The texts of a CSV file's rows (already decoded as `text`); DataError naming the first bad line."""
    where = f"CSV file {csv_path}"
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = [(name or "").strip() for name in reader.fieldnames or []]
    reader.fieldnames = fields
    if "label" not in fields:
        raise DataError(f"{where} has a text column but no 'label' column (found: {', '.join(fields)}); the header "
                        "line must name the columns text,label.")
    rows = []
    for row in reader:
        line = reader.line_num
        label = (row.get("label") or "").strip()
        if not label:
            raise DataError(f"{where} line {line} has an empty 'label'; fill it in or delete the line.")
        split = None
        if "split" in fields:
            value = (row.get("split") or "").strip()
            split = split_code(value)
            if split is None:
                raise DataError(f"{where} line {line} has split '{value}'; the split column takes {SPLIT_WORDS}.")
        rows.append((f"line {line}", row.get("text") or "", label, split))
    if not rows:
        raise DataError(f"{where} has a header but no rows; add one row per text (text,label).")
    return TextSource(spec, rows, where)


def has_text_files(root: Path) -> bool:
    """Whether a folder holds .txt files and no images (and so is a text folder rather than an image folder)."""
    from .image_files import is_image_name

    texts = False
    for path in root.rglob("*"):
        if path.is_file():
            if is_image_name(path.name):
                return False
            texts = texts or path.suffix.lower() == TEXT_SUFFIX
    return texts


def read_text_folder(spec: str, root: Path) -> TextSource:
    """Class folders of .txt files, under train/val/test folders when every top folder names a split."""
    tops = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    split_tops = [p for p in tops if split_code(p.name) is not None]
    given = bool(tops) and len(split_tops) == len(tops)
    rows = []
    for top in tops:
        classes = sorted(p for p in top.iterdir() if p.is_dir() and not p.name.startswith(".")) if given else [top]
        split = split_code(top.name) if given else None
        for folder in classes:
            for path in sorted(folder.rglob(f"*{TEXT_SUFFIX}")):
                if not any(part.startswith(".") for part in path.relative_to(root).parts):
                    rows.append((path.relative_to(root).as_posix(), path.read_bytes(), folder.name, split))
    if not rows:
        raise DataError(f"Folder {root} has no .txt files in class sub-folders; put one .txt file per text in a "
                        "folder per class.")
    return TextSource(spec, rows, f"folder {root}")
