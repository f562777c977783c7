"""The staging directory of a resumable run: `.NAME.partial` beside the run directory `NAME`.

It holds the run's checkpoint while the run trains; the final files are written into a folder inside it,
which is renamed to `NAME` once complete, and then the staging directory is removed. So a finished run
directory holds no checkpoint: its weights are model.safetensors, and `reproduce` re-runs from run.json. If the run stops, the staging
directory stays only when it holds a checkpoint, for `--resume`; a new run does not discard it silently.
A lock file keeps two processes from writing the same staging directory at once. Processes forked while it is held
(DataLoader workers) close their copy at once, so a run killed with SIGKILL frees it as soon as it dies, not when
its orphaned workers notice.
"""

from __future__ import annotations

import os
import shutil
import weakref
from pathlib import Path
from typing import Any, Callable

from ..engine import CHECKPOINT_FILE, describe_position, read_checkpoint_meta
from ..settings import Output
from ..errors import RunError
from ..files import check_output_dir, fsync_tree, unwritable_reason

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock, the rest works
    fcntl = None

LOCK_FILE = ".lock"
FINAL_DIR = "final"
_LOCKED: weakref.WeakSet = weakref.WeakSet()  # the PartialRuns of this process that hold their lock


def hold_lock(folder: Path, busy: str) -> int:
    """An exclusive lock on `folder`'s lock file, held while the returned descriptor is open; RunError(`busy`) when
    another process holds it."""
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise RunError(busy) from None
    os.set_inheritable(fd, False)
    return fd


def partial_path(out: str | Path) -> Path:
    """Where the staging directory of the run directory `out` lives."""
    out = Path(out)
    return out.parent / f".{out.name}.partial"


class PartialRun:
    """Create with the user's choices (checks them before any work), enter to create and lock the staging
    directory (before loading anything), `commit()` to move the finished run into place."""

    def __init__(self, output: Output):
        self.out, self.path = Path(output.path), partial_path(output.path)
        self.overwrite, self.resume = output.overwrite, output.resume
        self._lock_fd: int | None = None
        self._committed = False
        if self.out.exists() and not self.out.is_dir():
            raise RunError(f"Output path '{self.out}' is a file; choose a directory path for --out.")
        if _is_locked(self.path):
            raise RunError(f"Another transferkit process is writing '{self.out}' right now (its staging directory "
                           f"'{self.path}' is locked); wait for it to finish or stop it first.")
        if self.resume:
            self.previous = self._check_resumable()
        else:
            check_output_dir(self.out, self.overwrite)
            self.previous = None
            if self.checkpoint.is_file() and not self.overwrite:
                where = _describe(self.checkpoint)
                raise RunError(f"An interrupted run of '{self.out}' is waiting in '{self.path}' ({where}); pass "
                               "--resume to continue it, or --overwrite to discard it and start over.")

    @property
    def checkpoint(self) -> Path:
        return self.path / CHECKPOINT_FILE

    def _check_resumable(self) -> dict[str, Any] | None:
        """The interrupted run's checkpoint header (None if it stopped before its first checkpoint)."""
        if not self.path.is_dir():
            if self.out.is_dir() and any(self.out.iterdir()):
                raise RunError(f"Run directory '{self.out}' is complete and there is no interrupted run to resume; "
                               "pass --overwrite instead of --resume to run it again.")
            raise RunError(f"There is no interrupted run of '{self.out}' to resume (no '{self.path}'); "
                           "run without --resume.")
        meta = read_checkpoint_meta(self.checkpoint) if self.checkpoint.is_file() else None
        if self.out.is_dir() and any(self.out.iterdir()) and not _started_with_overwrite(meta):
            raise RunError(f"Run directory '{self.out}' already exists, and the interrupted run was not started with "
                           f"--overwrite; move '{self.out}' away, then resume.")
        return meta

    def __enter__(self) -> PartialRun:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise RunError(f"Cannot create the run directory '{self.out}' ({unwritable_reason(e)}); choose an --out "
                           "in a writable folder.") from None
        self._lock()
        keep = {LOCK_FILE, CHECKPOINT_FILE} if self.resume else {LOCK_FILE}
        for child in self.path.iterdir():  # leftovers: temporary files of a killed write, or a discarded run
            if child.name in keep:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        return self

    @property
    def allows_overwrite(self) -> bool:
        """May `commit()` replace an existing `out`? (--overwrite now, or when the interrupted run started.)"""
        return self.overwrite or _started_with_overwrite(self.previous)

    def interrupted(self) -> str:
        """What a run stopped by the user keeps, and how to continue it."""
        if not self.checkpoint.is_file():
            return "stopped before the first checkpoint, so nothing is kept; run the same command again to start over."
        return (f"{_describe(self.checkpoint)}; the checkpoint is kept in '{self.checkpoint}'. Continue with the same "
                "command plus --resume, or start over with --overwrite.")

    def commit(self, write_files: Callable[[Path], None]) -> Path:
        """Write the final files into a fresh folder inside the staging directory, rename that folder to `out`,
        then remove the staging directory with its checkpoint."""
        final = self.path / FINAL_DIR
        try:
            final.mkdir()
            write_files(final)
            fsync_tree(final)
            check_output_dir(self.out, self.allows_overwrite)
            if self.out.exists():
                trash = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
                os.replace(self.out, trash)
                os.replace(final, self.out)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(final, self.out)
        except OSError as e:
            raise RunError(f"Cannot write run directory '{self.out}' ({e.strerror or e}); free disk space and "
                           "run the same command with --resume.") from None
        self._committed = True
        self._unlock()
        shutil.rmtree(self.path, ignore_errors=True)
        return self.out

    def __exit__(self, exc_type, exc, tb) -> None:
        self._unlock()
        if self._committed or not self.path.is_dir():
            return
        if self.checkpoint.is_file():  # kept for --resume; the unfinished final files are not
            shutil.rmtree(self.path / FINAL_DIR, ignore_errors=True)
        else:  # nothing worth keeping
            shutil.rmtree(self.path, ignore_errors=True)

    def _lock(self) -> None:
        if fcntl is None:
            return
        self._lock_fd = hold_lock(self.path, f"Another transferkit process is writing '{self.out}' right now; wait "
                                             "for it to finish or stop it first.")
        _LOCKED.add(self)

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the lock
            self._lock_fd = None
        _LOCKED.discard(self)


def _drop_inherited_locks() -> None:
    """In a forked child: close the copies of the parent's lock files (the lock stays the parent's alone)."""
    for run in list(_LOCKED):
        run._unlock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_inherited_locks)


def _is_locked(folder: Path) -> bool:
    if fcntl is None or not (folder / LOCK_FILE).is_file():
        return False
    fd = os.open(folder / LOCK_FILE, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def _started_with_overwrite(meta: dict[str, Any] | None) -> bool:
    options = (meta or {}).get("options")
    return isinstance(options, dict) and options.get("overwrite") is True


def _describe(checkpoint: Path) -> str:
    try:
        meta = read_checkpoint_meta(checkpoint)
    except RunError:
        return "its checkpoint is damaged"
    return "stopped " + describe_position(meta.get("position") or {})
