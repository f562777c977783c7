"""`FileSource`: images stored as files (a folder or a CSV list), checked once when opened."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..console import logger, track
from ..errors import DataError
from .file_check import check_files, stamp
from .image_files import UnreadableImage, decode_image, decode_rgb, read_bytes
from .preprocessing import Preprocessing
from .sources import ImageSource

PROGRESS_MIN_IMAGES = 200  # show a progress bar for file sources larger than this
_WARN_LIST = 5  # unreadable files named in the warning


@dataclass(frozen=True)
class FileEntry:
    """One listed image: its path relative to the data root (POSIX form), where it is, its class and, when the
    data comes split, the code of its given split (see `GIVEN_SPLITS`)."""

    relpath: str
    path: Path
    label: str
    split: int | None = None


class FileSource(ImageSource):
    """Images listed as files. Opening decodes every file once (guarded; in worker processes for many files) and
    hashes its bytes; unreadable files are left out, recorded in `skipped`, and named in one warning.

    `where` names the data for messages (e.g. "folder /x/data"); `class_label(name)` names a class
    there (e.g. "Class folder 'cat' in /x/data").
    """

    def __init__(
        self,
        spec: str,
        entries: list[FileEntry],
        *,
        where: str,
        class_label: Callable[[str], str],
        progress: bool = True,
    ):
        self.spec = spec
        self.classes = sorted({e.label for e in entries})
        ids = {name: i for i, name in enumerate(self.classes)}
        kept: list[FileEntry] = []
        hashes: list[str] = []
        stamps = []
        self.skipped = []
        enabled = progress and len(entries) > PROGRESS_MIN_IMAGES
        checks = check_files([e.path for e in entries])
        for entry, (digest, reason, when) in zip(entries, track(checks, len(entries),
                                                                f"Checking {len(entries)} images", enabled)):
            if digest is None:
                self.skipped.append({"path": entry.relpath, "reason": reason})
                continue
            kept.append(entry)
            hashes.append(digest)
            stamps.append(when)
        self.entries = kept
        self._hashes, self._stamps = hashes, stamps
        self.labels = np.array([ids[e.label] for e in kept], dtype=np.int64)
        if any(e.split is not None for e in entries):
            self.given_splits = np.array([e.split for e in kept], dtype=np.int8)
        if self.skipped:
            _warn_skipped(self.skipped, where)
        self._check_every_class_readable(entries, class_label)

    def item_ids(self) -> list[str]:
        return [f"{e.relpath}:{h}" for e, h in zip(self.entries, self._hashes)]

    def item_names(self) -> list[str]:
        return [e.relpath for e in self.entries]

    def content_hashes(self) -> list[str]:
        return list(self._hashes)

    def read(self, indices: Sequence[int], preprocessing: Preprocessing) -> torch.Tensor:
        """Decode, verify (the bytes must still match the hash taken when opened) and resize each image."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        h, w = preprocessing.size_hw
        out = torch.empty((len(idx), 3, h, w), dtype=torch.uint8)
        for j, i in enumerate(idx):
            out[j] = preprocessing.resize_crop(self._decode_checked(int(i)))
        return out

    def original(self, index: int) -> Image.Image:
        return self._decode_checked(index, decode_image)

    def _decode_checked(self, i: int, decode=decode_rgb):
        """Image i decoded by `decode` (uint8 (3, H, W) by default), after checking that it is the file that was hashed
        when the data was opened (its stamp unchanged, or else its bytes' sha256)."""
        entry = self.entries[i]
        again = f"reopen the data (image '{entry.relpath}' changed since it was opened)"
        try:
            data = read_bytes(entry.path)
            # the same size and modification time as when hashed: the same file; else its bytes must hash the same
            if stamp(entry.path) != self._stamps[i] and hashlib.sha256(data).hexdigest() != self._hashes[i]:
                raise DataError(f"Image '{entry.relpath}' changed on disk after the data was opened; {again}.")
            decoded = decode(data)
        except UnreadableImage as e:
            raise DataError(
                f"Image '{entry.relpath}' became unreadable ({e}) after the data was opened; {again}."
            ) from None
        return decoded if decode is not decode_rgb else torch.from_numpy(decoded).permute(2, 0, 1).contiguous()

    def _check_every_class_readable(self, entries: list[FileEntry], class_label: Callable[[str], str]) -> None:
        counts = np.bincount(self.labels, minlength=len(self.classes))
        for name, n in zip(self.classes, counts):
            if n == 0:
                listed = sum(e.label == name for e in entries)
                raise DataError(
                    f"{class_label(name)} has no readable images ({listed} unreadable, see the "
                    "warning above); replace them or remove the class."
                )


def _warn_skipped(skipped: list[dict], where: str) -> None:
    shown = ", ".join(f"{s['path']} ({s['reason']})" for s in skipped[:_WARN_LIST])
    more = f" and {len(skipped) - _WARN_LIST} more" if len(skipped) > _WARN_LIST else ""
    noun = "image" if len(skipped) == 1 else "images"
    logger.warning(
        f"Left out {len(skipped)} unreadable {noun} in {where}: {shown}{more}; "
        "all are listed under 'skipped' in the data summary."
    )
