"""The folder a comparison writes while it runs: `.NAME.comparing` beside `--out NAME`, renamed to NAME when done.

Each run directory appears in it complete (written all at once, by whichever process trained the run; its checkpoint
waits beside it in `.seedS.partial` while it trains), so a comparison stopped at any moment (SIGKILL included) leaves
every finished run there, and `--resume` continues in the same folder, runs that were checkpointing included. A comparison stopped by Ctrl-C is renamed to NAME with a leaderboard marked incomplete; `--resume` moves
it back and goes on. A lock file keeps two comparisons from writing the same folder at once.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..console import logger
from ..errors import RunError
from ..files import StagingDir, check_output_dir, read_json, unwritable_reason
from .partial_run import LOCK_FILE, hold_lock

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock, the rest works
    fcntl = None

LEFT_BY_A_STOP = ("leaderboard.json", "report.html")  # rewritten when a resumed comparison finishes


def comparing_path(out: Path) -> Path:
    return out.parent / f".{out.name}.comparing"


def incomplete(out: Path) -> bool:
    """Is `out` a comparison stopped by Ctrl-C (its leaderboard marked incomplete)?"""
    try:
        return bool(read_json(out / "leaderboard.json").get("incomplete"))
    except RunError:
        return False


def _drop_leftovers(folder: Path, pattern: str) -> None:
    """Remove the hidden folders matching `pattern` below `folder`: `.NAME.partial-XXXX` is what a process killed
    while writing a run directory left; `.NAME.partial` holds the checkpoint of a run not finished."""
    for leftover in list(folder.rglob(pattern)):
        shutil.rmtree(leftover, ignore_errors=True)


class ComparisonDir(StagingDir):
    """`with ComparisonDir(out, overwrite, resume) as folder:` runs write under `folder.path`; `commit()` renames it
    to `out`. On an exception the folder stays when it holds a finished run (for --resume)."""

    def __init__(self, out: str | Path, overwrite: bool = False, resume: bool = False):
        self.out, self.overwrite, self.resume = Path(out), overwrite, resume
        self.path: Path | None = None
        self.kept: Path | None = None  # the folder left for --resume when the comparison stopped
        self._lock_fd: int | None = None
        waiting = comparing_path(self.out)
        if resume:
            if not waiting.is_dir() and self.out.is_dir() and any(self.out.iterdir()) and not incomplete(self.out):
                raise RunError(f"The comparison in '{self.out}' is complete; there is nothing to resume. Pass "
                               "--overwrite instead of --resume to run it again.")
        else:
            check_output_dir(self.out, overwrite)
            if waiting.is_dir() and any(p.name != LOCK_FILE for p in waiting.iterdir()) and not overwrite:
                raise RunError(f"An interrupted comparison of '{self.out}' is waiting in '{waiting}'; pass --resume "
                               "to continue it (finished runs are reused), or --overwrite to start over.")

    def __enter__(self) -> ComparisonDir:
        path = comparing_path(self.out)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if self.resume and not path.is_dir() and incomplete(self.out):
                os.replace(self.out, path)  # a comparison stopped by Ctrl-C goes on where it stopped
            if self.overwrite and path.is_dir():
                shutil.rmtree(path)
            path.mkdir(exist_ok=True)
        except OSError as e:
            raise RunError(f"Cannot create '{self.out}' ({unwritable_reason(e)}); choose an --out in a writable "
                           "folder.") from None
        self._lock(path)
        self.path = path
        for name in LEFT_BY_A_STOP:
            (path / name).unlink(missing_ok=True)
        _drop_leftovers(path, ".*.partial-*")
        if self.resume:
            logger.info("Resuming the comparison in '%s'.", path)
        return self

    def commit(self) -> Path:
        """Move the finished folder to `out` (replacing an existing one only when overwriting)."""
        (self.path / LOCK_FILE).unlink(missing_ok=True)
        _drop_leftovers(self.path, ".*.partial*")  # and the checkpoints of runs that failed
        self.overwrite = self.overwrite or (self.resume and self.out.exists() and not any(self.out.iterdir()))
        try:
            return super().commit()
        finally:
            self._unlock()

    def __exit__(self, exc_type, exc, tb) -> None:
        self._unlock()
        if self.path is None:
            return
        if (self.path / "runs").is_dir():
            self.kept = self.path
        else:  # nothing finished: nothing to keep
            shutil.rmtree(self.path, ignore_errors=True)
        self.path = None

    def _lock(self, path: Path) -> None:
        if fcntl is None:
            return
        self._lock_fd = hold_lock(path, f"Another transferkit process is writing the comparison '{self.out}' right "
                                        "now; wait for it to finish or stop it first.")

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
