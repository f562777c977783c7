"""`CsvSource`: images listed in a CSV file with columns `path,label` (paths relative to the CSV's folder); a CSV with
columns `text,label` is read as texts (text_files.py)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from ..errors import DataError
from .file_source import FileEntry, FileSource
from .given_splits import SPLIT_WORDS, split_code
from .label_spaces import warn_space_variants
from .registry import register_source
from .text_files import is_text_csv, read_text_csv

REQUIRED_COLUMNS = ("path", "label")
SPLIT_COLUMN = "split"  # optional: the given split of each row


@register_source
class CsvSource(FileSource):
    """One row per image; classes are the distinct labels, sorted by name. A `split` column (train, val, test)
    gives the splits; other columns are ignored."""

    prefix = "csv:"
    usage = "'csv:FILE' (columns path,label[,split] or text,label[,split])"

    def __init__(self, spec: str, csv_path: Path, *, progress: bool = True):
        self.csv_path = csv_path
        entries = read_csv_entries(csv_path)
        super().__init__(
            spec,
            entries,
            where=f"CSV file {csv_path}",
            class_label=lambda name: f"Class '{name}' in CSV file {csv_path}",
            progress=progress,
        )

    @classmethod
    def open(cls, spec: str, argument: str, *, progress: bool = True):
        path = Path(argument).expanduser()
        if path.is_file():
            text = _decoded(path)
            header = next(csv.reader(io.StringIO(text, newline="")), [])
            if is_text_csv([name.strip() for name in header]):
                return read_text_csv(spec, path, text)
        return cls(spec, path, progress=progress)


def read_csv_entries(csv_path: Path) -> list[FileEntry]:
    """Parse and check the CSV file; raises DataError naming the first problem and its fix."""
    where = f"CSV file {csv_path}"
    if not csv_path.exists():
        raise DataError(f"{where} does not exist; check the path after 'csv:'.")
    if not csv_path.is_file():
        raise DataError(f"{where} is not a file; pass 'csv:' followed by a CSV file with columns path,label.")
    text = _decoded(csv_path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        raise DataError(f"{where} is empty; write a header line 'path,label' and one row per image.")
    reader.fieldnames = [(name or "").strip() for name in reader.fieldnames]
    missing = [c for c in REQUIRED_COLUMNS if c not in reader.fieldnames]
    if missing:
        names = " and ".join(f"'{c}'" for c in missing)
        found = ", ".join(reader.fieldnames) or "none"
        raise DataError(
            f"{where} has no {names} column{'s' if len(missing) > 1 else ''} (found: {found}); "
            "the header line must name the columns path,label."
        )
    folder = csv_path.parent
    has_split = SPLIT_COLUMN in reader.fieldnames
    entries: list[FileEntry] = []
    first_row: dict[str, int] = {}
    raw_labels: set[str] = set()
    missing_files: list[tuple[str, int]] = []
    for row in reader:
        line = reader.line_num
        path, label = ((row.get(c) or "").strip() for c in REQUIRED_COLUMNS)
        raw_labels.add(row.get("label") or "")
        for column, value in zip(REQUIRED_COLUMNS, (path, label)):
            if not value:
                raise DataError(f"{where} line {line} has an empty '{column}'; fill it in or delete the line.")
        key = Path(os.path.normpath(path)).as_posix()
        if key in first_row:
            raise DataError(
                f"{where} lists '{path}' twice (lines {first_row[key]} and {line}); list every image once."
            )
        first_row[key] = line
        full = folder / key
        if not full.is_file():
            missing_files.append((path, line))
            continue
        entries.append(FileEntry(key, full, label, _split_of(row, where, line) if has_split else None))
    if missing_files:
        path, line = missing_files[0]
        raise DataError(
            f"{where} lists {len(missing_files)} path{'s' if len(missing_files) > 1 else ''} that do not exist, "
            f"first '{path}' (line {line}); paths are relative to the CSV file's folder {folder}."
        )
    if not entries:
        raise DataError(f"{where} has a header but no rows; add one row per image (path,label).")
    warn_space_variants(raw_labels, where, merged=True)
    labels = sorted({e.label for e in entries})
    if len(labels) < 2:
        raise DataError(
            f"{where} has only one label ('{labels[0]}'); a classifier needs at least 2 classes, "
            "so add rows for another class."
        )
    return entries


def _decoded(csv_path: Path) -> str:
    where = f"CSV file {csv_path}"
    try:
        return csv_path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{where} is not UTF-8 text; save it as UTF-8 (CSV with columns path,label or "
                        "text,label).") from None
    except OSError as e:
        raise DataError(f"Cannot read {where} ({e.strerror}); check its permissions.") from None


def _split_of(row: dict, where: str, line: int) -> int:
    value = (row.get(SPLIT_COLUMN) or "").strip()
    code = split_code(value)
    if code is None:
        what = "an empty 'split'" if not value else f"split '{value}'"
        raise DataError(f"{where} line {line} has {what}; the split column takes {SPLIT_WORDS}.")
    return code
