"""Run directories that are never half-written: build in a hidden sibling folder, then rename into place."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from .errors import RunError


def check_output_dir(out: str | Path, overwrite: bool = False) -> Path:
    """Refuse an existing, non-empty output unless `overwrite`; call before any work starts."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunError(f"Output path '{out}' is a file; choose a directory path for --out.")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise RunError(f"Output directory '{out}' already exists and is not empty; pass --overwrite or choose another --out.")
    existing = next(p for p in (out.absolute(), *out.absolute().parents) if os.path.lexists(p))
    if not existing.is_dir():
        raise RunError(f"Cannot create '{out}': '{existing}' is a file, not a folder; choose another --out.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise RunError(f"Cannot create '{out}': '{existing}' is not writable (read-only file system or no "
                       "permission); choose an --out in a writable folder.")
    return out


def unwritable_reason(error: OSError) -> str:
    """Why a folder cannot be created, in words: 'a file is in the way', 'read-only file system', ..."""
    if isinstance(error, (NotADirectoryError, FileExistsError)):
        return "a file is in the way of that path"
    return error.strerror or type(error).__name__


class StagingDir:
    """A hidden sibling directory that becomes `out` on `commit()`, and is removed if anything fails."""

    def __init__(self, out: str | Path, overwrite: bool = False):
        self.out = check_output_dir(out, overwrite)
        self.overwrite = overwrite
        self.path: Path | None = None

    def __enter__(self) -> StagingDir:
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.partial-", dir=self.out.parent))
        except OSError as e:
            raise RunError(f"Cannot create '{self.out}' ({unwritable_reason(e)}); choose an --out in a writable "
                           "folder.") from None
        return self

    def commit(self) -> Path:
        """Move the finished directory into place (replacing the old one only when overwriting)."""
        assert self.path is not None
        fsync_tree(self.path)
        check_output_dir(self.out, self.overwrite)
        trash = None
        if self.out.exists():
            trash = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.old-", dir=self.out.parent))
            os.replace(self.out, trash / "old")
        os.replace(self.path, self.out)
        if trash is not None:
            shutil.rmtree(trash, ignore_errors=True)
        self.path = None
        return self.out

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None


def fsync_tree(root: Path) -> None:
    """fsync every file below `root`, so a rename that follows publishes complete files."""
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def write_json(path: str | Path, data: dict) -> None:
    """Write JSON via a temporary file and rename, so a reader never sees half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False, allow_nan=False, default=_json_default)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def read_json(path: str | Path) -> dict:
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise RunError(f"'{path}' does not exist; give a run directory written by 'transferkit adapt'.") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RunError(f"'{path}' is not valid JSON; the run directory is damaged.") from None


def write_text(path: str | Path, text: str) -> None:
    """Write a text file via a temporary file and rename, so a reader never sees half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
