"""Checkpoint files: tensors in safetensors, everything else as JSON in the same file's header.

One file holds a whole checkpoint, so replacing it is one rename (temporary file, fsync, rename, fsync of the
folder): a reader sees the previous checkpoint or the new one, never half of either. Reading uses safetensors
only, so a checkpoint can never run code. Accelerate's save_state/load_state is not used here: it writes several
files one after another and pickles the optimizer, scheduler and random-generator states.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from ...errors import RunError

CHECKPOINT_FILE = "checkpoint.safetensors"
FORMAT = "transferkit-checkpoint"
FORMAT_VERSION = 1
_META_KEY = "transferkit"


def write_checkpoint(path: str | Path, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    """Write `tensors` and the JSON-able `meta` to `path` atomically; on failure the old file is untouched."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    header = json.dumps({"format": FORMAT, "version": FORMAT_VERSION, **meta}, default=_plain)
    try:
        save_file(tensors, str(tmp), metadata={_META_KEY: header})
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    except (OSError, SafetensorError) as e:
        tmp.unlink(missing_ok=True)
        reason = getattr(e, "strerror", None) or _first_line(e)
        if path.is_file():
            after = "the previous checkpoint is kept, so free disk space and continue with --resume."
        else:
            after = ("no checkpoint had been written yet, so nothing is kept; free disk space and run the same "
                     "command again without --resume.")
        raise RunError(f"Cannot write checkpoint '{path}' ({reason}); {after}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(tensors, meta) of a checkpoint file, read with safetensors only; RunError if it is damaged."""
    path = Path(path)
    try:
        with safe_open(str(path), framework="pt", device="cpu") as fh:
            meta = _parse_meta(path, fh.metadata())
            # Copies in freshly allocated (64-byte aligned) memory: tensors read from the file sit at any
            # 8-byte offset, and MKL may then sum in another order, which would break bit-identical resumes.
            tensors = {key: fh.get_tensor(key).clone() for key in fh.keys()}
    except (OSError, SafetensorError, ValueError, RuntimeError) as e:  # RuntimeError: size and header disagree
        raise _damaged(path, _first_line(e)) from None
    return tensors, meta


def read_checkpoint_meta(path: str | Path) -> dict[str, Any]:
    """Only the JSON part of a checkpoint (reads the header, not the tensors)."""
    path = Path(path)
    try:
        with safe_open(str(path), framework="pt", device="cpu") as fh:
            return _parse_meta(path, fh.metadata())
    except (OSError, SafetensorError, ValueError, RuntimeError) as e:  # RuntimeError: size and header disagree
        raise _damaged(path, _first_line(e)) from None


def _parse_meta(path: Path, header: dict[str, str] | None) -> dict[str, Any]:
    try:
        meta = json.loads((header or {})[_META_KEY])
    except (KeyError, TypeError, json.JSONDecodeError):
        raise _damaged(path, "no transferkit header") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _damaged(path, "no transferkit header")
    if meta.get("version") != FORMAT_VERSION:
        raise RunError(
            f"Checkpoint '{path}' has format version {meta.get('version')!r}, this transferkit reads version "
            f"{FORMAT_VERSION}; finish it with the transferkit that wrote it, or start over with --overwrite."
        )
    return meta


def _damaged(path: Path, reason: str) -> RunError:
    return RunError(
        f"Checkpoint '{path}' is damaged or not a transferkit checkpoint ({reason}); start over with --overwrite."
    )


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); folders cannot be opened for fsync on some systems."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")
