"""Duplicate images (the same content, by sha256): one image under two classes blurs the labels, and one image in
two of train / validation / test makes the held-out accuracy optimistic. Found when the data is split, warned
about with counts, and recorded in the data summary."""

from __future__ import annotations

import numpy as np

from ..console import logger
from .sources import ImageSource

_EXAMPLES = 5  # groups listed in the record
_NAMES = 3  # names listed per group


def find_duplicates(source: ImageSource, parts: dict[str, np.ndarray]) -> dict | None:
    """Groups of images with the same content that span two or more classes, or two or more of `parts` (e.g.
    {"train": idx, "val": idx, "test": idx}); each kind counted (`groups`, `images`) with a few examples.
    None when the source has no content hashes."""
    hashes = source.content_hashes()
    if hashes is None:
        return None
    by_hash: dict[str, list[int]] = {}
    for i, digest in enumerate(hashes):
        by_hash.setdefault(digest, []).append(i)
    groups = [g for g in by_hash.values() if len(g) > 1]
    part_of = np.full(len(hashes), -1, dtype=np.int64)
    for k, idx in enumerate(parts.values()):
        part_of[np.asarray(idx, dtype=np.int64)] = k
    labels = source.labels
    across_classes = [g for g in groups if len({int(labels[i]) for i in g}) > 1]
    across_parts = [g for g in groups if len({int(part_of[i]) for i in g} - {-1}) > 1]
    names, part_names = source.item_names(), list(parts)

    def describe(group: list[int]) -> list[str]:
        return [f"{names[i]} ({source.classes[labels[i]]}"
                + (f", {part_names[part_of[i]]})" if part_of[i] >= 0 else ")") for i in group[:_NAMES]]

    return {kind: {"groups": len(found), "images": sum(map(len, found)),
                   "examples": [describe(g) for g in found[:_EXAMPLES]]}
            for kind, found in (("across_classes", across_classes), ("across_splits", across_parts))}


def warn_duplicates(found: dict | None, where: str, unit: str = "images") -> None:
    """One warning with the counts (and an example) when duplicates span classes or splits; `unit` names the items
    ("images", "texts")."""
    if not found:
        return
    said = []
    for kind, what in (("across_classes", "under two or more classes"),
                       ("across_splits", "in more than one of train/val/test")):
        entry = found[kind]
        if entry["groups"]:
            noun = unit[:-1] if entry["groups"] == 1 else unit
            said.append(f"{entry['groups']} {noun} {what} (e.g. {' = '.join(entry['examples'][0])})")
    if said:
        logger.warning(f"Found duplicate {unit} (same content) in {where}: {' and '.join(said)}; remove the copies, "
                       "they blur the labels or make the held-out accuracy optimistic (counted under 'duplicates' "
                       "in the data summary).")
