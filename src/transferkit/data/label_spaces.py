"""Labels that differ only by surrounding spaces ('cat' and 'cat '): almost always one class typed twice; say so."""

from __future__ import annotations

from collections.abc import Iterable

from ..console import logger


def space_variants(names: Iterable[str]) -> list[list[str]]:
    """Groups (sorted) of two or more distinct names that are equal once surrounding spaces are stripped."""
    groups: dict[str, set[str]] = {}
    for name in names:
        groups.setdefault(name.strip(), set()).add(name)
    return [sorted(group) for _, group in sorted(groups.items()) if len(group) > 1]


def warn_space_variants(names: Iterable[str], where: str, *, merged: bool) -> list[list[str]]:
    """One warning when some names differ only by surrounding spaces; `merged` says whether they are read as one
    class (CSV labels are stripped) or as separate classes (folder names are taken as they are)."""
    groups = space_variants(names)
    if groups:
        shown = " and ".join(repr(name) for name in groups[0])
        more = f" (and {len(groups) - 1} more such group{'s' if len(groups) > 2 else ''})" if len(groups) > 1 else ""
        if merged:
            outcome = f"they are read as one class {groups[0][0].strip()!r}; fix the labels if they are not"
        else:
            outcome = "they are read as separate classes; merge the folders if they are one class"
        logger.warning(f"{where} has labels that differ only by surrounding spaces: {shown}{more}; {outcome}.")
    return groups
