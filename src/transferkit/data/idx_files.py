"""MNIST's IDX format: finding the image and label files in a folder and reading them into numpy arrays.

A folder holds one or more sets, each an images file `NAME-images-idx3-ubyte` and a labels file
`NAME-labels-idx1-ubyte` (either may be gzipped, `.gz`; `NAME-images.idx3-ubyte` is read too). The format
is small enough to read by hand: 2 zero bytes, a type byte (0x08: unsigned bytes), the number of
dimensions, one big-endian uint32 per dimension, then the values.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError

_NAME = re.compile(r"^(?P<set>.+?)[-.](?P<kind>images|labels)[-.]idx(?P<ndim>[13])-ubyte(?P<gz>\.gz)?$")
_UBYTE = 0x08
_KINDS = {"images": 3, "labels": 1}


@dataclass(frozen=True)
class IdxSet:
    """One set of a folder: its name (e.g. 'train', 't10k') and its two files."""

    name: str
    images: Path
    labels: Path


def find_idx_sets(folder: Path) -> list[IdxSet]:
    """The sets in `folder`, sorted by name; DataError when there is none or a file has no partner."""
    try:
        names = sorted(p.name for p in folder.iterdir() if p.is_file())
    except OSError as e:
        raise DataError(f"Cannot list the IDX folder {folder} ({e.strerror}); check that it exists and is "
                        "readable.") from None
    found: dict[tuple[str, str], Path] = {}
    for name in names:
        match = _NAME.match(name)
        if match is None or _KINDS[match["kind"]] != int(match["ndim"]):
            continue
        key = (match["set"], match["kind"])
        if key not in found or not match["gz"]:  # the uncompressed file, when both are there
            found[key] = folder / name
    if not found:
        raise DataError(f"Folder {folder} has no IDX files; it needs NAME-images-idx3-ubyte[.gz] with "
                        "NAME-labels-idx1-ubyte[.gz] (e.g. train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz).")
    sets = []
    for set_name in sorted({s for s, _ in found}):
        for kind, other in (("images", "labels"), ("labels", "images")):
            if (set_name, other) not in found:
                have = found[(set_name, kind)].name
                raise DataError(f"IDX folder {folder} has {have} but no {set_name}-{other}-idx{_KINDS[other]}-ubyte"
                                f"[.gz] beside it; add the {other} file of '{set_name}' or remove {have}.")
        sets.append(IdxSet(set_name, found[(set_name, "images")], found[(set_name, "labels")]))
    return sets


def read_idx_set(idx_set: IdxSet) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, H, W), labels int64 (N,)) of one set; DataError when the files do not fit together."""
    images = read_idx(idx_set.images, 3)
    labels = read_idx(idx_set.labels, 1)
    if len(images) != len(labels):
        raise DataError(f"{idx_set.images.name} holds {len(images)} images but {idx_set.labels.name} holds "
                        f"{len(labels)} labels; they must belong together (one label per image).")
    return images, labels.astype(np.int64)


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """An IDX file of unsigned bytes with `ndim` dimensions, decompressed whole and viewed by numpy (no copy)."""
    fix = "replace it with a complete copy"
    try:
        raw = path.read_bytes()
        if path.name.endswith(".gz"):
            raw = gzip.decompress(raw)
    except (gzip.BadGzipFile, EOFError, zlib.error):
        raise DataError(f"Cannot read the IDX file {path} (its gzip data is corrupt or cut short); {fix}.") from None
    except OSError as e:
        raise DataError(f"Cannot read the IDX file {path} ({e.strerror or type(e).__name__}); check that it is "
                        "readable.") from None
    offset = 4 + 4 * ndim
    if len(raw) < offset or raw[:2] != b"\0\0" or raw[2] != _UBYTE or raw[3] != ndim:
        raise DataError(f"{path} is not an IDX file of {ndim}-dimensional unsigned bytes (its header does not say "
                        f"0x0000080{ndim}); pass the MNIST-format images and labels files.")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64))
    if len(raw) - offset != expected:
        raise DataError(f"{path} is cut short or has extra bytes: its header announces {expected} values of shape "
                        f"{shape}, the file holds {len(raw) - offset}; {fix}.")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape)
