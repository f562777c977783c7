"""`TextSource`: labelled texts held in memory, read as token tensors by the model's own tokenizer.

Every text source (a CSV with a `text` column, a folder of .txt files per class, a Hugging Face data set with a text
column, the Debian fortunes) builds one from its rows. Bad rows (empty text, bytes that are not UTF-8) are left out
and listed in `skipped`, as unreadable images are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image

from ..errors import DataError
from .preprocessing import Preprocessing
from .sources import ImageSource, sha256_text


def decoded_text(raw: bytes | str) -> tuple[str | None, str | None]:
    """(text, None), or (None, why it is a bad row): bytes that are not UTF-8, or nothing but white space."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            return None, f"not UTF-8 text (byte {e.start})"
    text = raw.strip()
    return (text, None) if text else (None, "empty text")


class TextSource(ImageSource):
    """Texts with their labels. `names` name each text for messages (a file and line, a file, a row)."""

    in_memory = True
    mirror_safe = False
    unit = "texts"

    def __init__(self, spec: str, rows: list[tuple[str, str | bytes, str, int | None]], where: str,
                 skipped: list[dict] | None = None):
        """`rows`: (name, raw text, label, given split code or None); bad rows go to `skipped`."""
        self.spec, self.skipped = spec, list(skipped or [])
        kept = []
        for name, raw, label, split in rows:
            text, problem = decoded_text(raw)
            if problem is not None:
                self.skipped.append({"path": name, "reason": problem})
            else:
                kept.append((name, text, label, split))
        if not kept:
            raise DataError(f"{where} has no readable texts ({len(self.skipped)} bad rows); add rows with text.")
        self.classes = sorted({label for _, _, label, _ in kept})
        if len(self.classes) < 2:
            raise DataError(f"{where} has only one label ('{self.classes[0]}'); a classifier needs at least 2 classes.")
        index = {c: i for i, c in enumerate(self.classes)}
        self.names = [name for name, _, _, _ in kept]
        self.texts = [text for _, text, _, _ in kept]
        self.labels = np.array([index[label] for _, _, label, _ in kept], dtype=np.int64)
        codes = [split for _, _, _, split in kept]
        if any(c is not None for c in codes):
            if any(c is None for c in codes):
                raise DataError(f"{where} gives a split for some rows but not for others; give one for every row.")
            self.given_splits = np.array(codes, dtype=np.int8)
        self._hashes = [sha256_text(t) for t in self.texts]

    def item_ids(self) -> list[str]:
        return [f"{name}:{h[:16]}" for name, h in zip(self.names, self._hashes)]

    def item_names(self) -> list[str]:
        return list(self.names)

    def content_hashes(self) -> list[str]:
        return list(self._hashes)

    def read(self, indices: Sequence[int], preprocessing: Preprocessing) -> torch.Tensor:
        tokenize = getattr(preprocessing, "tokenize", None)
        if tokenize is None:
            raise DataError(f"{self.spec} holds texts, but the model reads images; pass a text encoder such as "
                            "--model hf:sentence-transformers/all-MiniLM-L6-v2.")
        return tokenize([self.texts[int(i)] for i in np.asarray(indices).reshape(-1)])

    def original(self, index: int) -> Image.Image:
        raise DataError(f"{self.spec} holds texts, not images; image augmentations and image views do not apply.")
