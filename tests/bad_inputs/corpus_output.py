"""Corpus cases about where a run is written: --out below a file, on a read-only file system, locked by another
process. Each is refused before the model or the data is loaded (the sentinel below would leave a marker)."""

from __future__ import annotations

import errno
import importlib
import os
from pathlib import Path

from corpus_context import Case, Context

adapt_module = importlib.import_module("transferkit.runs.adapt")  # the module, not the function it exports

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

LOADED = "loaded"  # the marker the sentinel writes: a case must fail before loading anything


def refuse_loading(ctx: Context) -> None:
    """Loading the model or the data leaves the marker file under `root`."""
    def sentinel(*args, **kwargs):
        (ctx.root / LOADED).write_text("the model or the data was loaded")
        raise KeyboardInterrupt

    ctx.monkeypatch.setattr(adapt_module, "load_model", sentinel)
    ctx.monkeypatch.setattr(adapt_module, "load_splits", sentinel)


def below_a_file(ctx: Context) -> list[str]:
    (ctx.root / "somefile.txt").write_text("a file, not a folder")
    ctx.out = ctx.root / "somefile.txt" / "run"
    refuse_loading(ctx)
    return ctx.adapt("digits", "--labels-per-class", "5")


def read_only(ctx: Context, *, access_says_so: bool) -> list[str]:
    """`--out` inside a folder where creating anything fails with EROFS (as on a read-only mount, even for root);
    `access_says_so`: os.access reports it, as the kernel does for a read-only mount."""
    folder = ctx.root / "mounted"
    folder.mkdir()
    ctx.out = folder / "runs" / "run"
    real_mkdir, real_access = os.mkdir, os.access

    def inside(path) -> bool:
        return Path(os.fsdecode(path)).absolute().is_relative_to(folder)

    def mkdir(path, *args, **kwargs):
        if inside(path):
            raise OSError(errno.EROFS, "Read-only file system", os.fsdecode(path))
        return real_mkdir(path, *args, **kwargs)

    def access(path, mode, *args, **kwargs):
        if access_says_so and inside(path) and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    ctx.monkeypatch.setattr(os, "mkdir", mkdir)
    ctx.monkeypatch.setattr(os, "access", access)
    refuse_loading(ctx)
    return ctx.adapt("digits", "--labels-per-class", "5")


def locked_by_another_process(ctx: Context) -> list[str]:
    """Another process holds the lock of the staging directory of --out."""
    partial = ctx.out.parent / f".{ctx.out.name}.partial"
    partial.mkdir(parents=True)
    fd = os.open(partial / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    ctx.monkeypatch.setattr(ctx, "lock_fd", fd, raising=False)
    refuse_loading(ctx)
    return ctx.adapt("digits", "--labels-per-class", "5")


def release_lock(ctx: Context, record: dict | None) -> None:
    os.close(ctx.lock_fd)
    assert sorted(p.name for p in (ctx.out.parent / f".{ctx.out.name}.partial").iterdir()) == [".lock"]


OUTPUT_CASES = [
    Case("out-below-a-file", "error", below_a_file, ("somefile.txt", "is a file, not a folder", "another --out"),
         markers=(LOADED,)),
    Case("out-on-read-only-file-system", "error", lambda ctx: read_only(ctx, access_says_so=True),
         ("not writable", "read-only file system", "--out"), markers=(LOADED,)),
    Case("out-cannot-be-created", "error", lambda ctx: read_only(ctx, access_says_so=False),
         ("Cannot create", "Read-only file system", "--out"), markers=(LOADED,)),
]
if fcntl is not None:
    OUTPUT_CASES.append(Case("out-locked-by-another-process", "error", locked_by_another_process,
                             ("Another transferkit process", "wait for it"), keeps=(".run.partial",),
                             markers=(LOADED,), check=release_lock))
