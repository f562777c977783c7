"""The ImageFolder layout (one sub-folder of images per class, optionally below train/, val/ and test/ folders):
listing the images and checking the layout."""

from __future__ import annotations

import os
from pathlib import Path

from ..console import logger
from ..errors import DataError
from .file_source import FileEntry
from .given_splits import split_code
from .image_files import IMAGE_EXTENSIONS, is_image_name
from .label_spaces import warn_space_variants
from .sources import GIVEN_SPLITS

_EXAMPLE_LIMIT = 3  # file names quoted in a message
_SUB_FOLDERS_CHECKED = 10  # sub-folders looked into when searching for the data one folder further down
_FOLDERS_WALKED = 200  # folders walked below each of them


def scan_folder(root: Path) -> list[FileEntry]:
    """List the images of an ImageFolder-layout folder, checking the layout; raises DataError when unusable.

    A folder whose sub-folders are train/, val/ (or valid/, validation/) and test/, each in ImageFolder layout,
    comes split: each entry carries the code of its split.
    """
    class_dirs = _sub_folders(root)
    splits = _split_folders(root, class_dirs)
    found = [_scan_classes(root, root, class_dirs, None)] if splits is None else \
        [_scan_classes(root / name, root, _sub_folders(root / name), code) for code, name in splits]
    entries = [e for part, _ in found for e in part]
    ignored = [f for _, part in found for f in part]
    classes = sorted({e.label for e in entries})
    warn_space_variants(classes, f"Folder {root}", merged=False)
    if len(classes) < 2:
        raise DataError(f"Folder {root} has only one class ('{classes[0]}') in its split folders; a classifier needs "
                        "at least 2 classes, so add one sub-folder of images per class below train/.")
    if ignored:
        logger.warning(
            f"Ignored {_count(len(ignored), 'file')} without an image extension in {root} ({_examples(ignored)}); "
            f"supported extensions: {', '.join(IMAGE_EXTENSIONS)}."
        )
    return entries


def _sub_folders(root: Path) -> list[str]:
    """The visible sub-folders of `root` (sorted); DataError when it is empty or has images beside them."""
    layout = f"put one sub-folder of images per class in it (e.g. {root / 'cat' / '1.jpg'})"
    try:
        names = sorted(os.listdir(root))
    except OSError as e:
        raise DataError(f"Cannot list folder {root} ({e.strerror}); check that it exists and is readable.") from None
    visible = [n for n in names if not n.startswith(".")]
    class_dirs = [n for n in visible if (root / n).is_dir()]
    top_images = [n for n in visible if (root / n).is_file() and is_image_name(n)]
    if not visible:
        raise DataError(f"Folder {root} is empty; {layout}.")
    if not class_dirs:
        if top_images:
            raise DataError(
                f"Folder {root} has {len(top_images)} images but no class sub-folders; move the images into "
                f"one sub-folder per class (e.g. {root / 'cat' / top_images[0]})."
            )
        raise DataError(f"Folder {root} has no class sub-folders and no images; {layout}.")
    if top_images:
        raise DataError(
            f"Folder {root} has {_count(len(top_images), 'image')} outside the class sub-folders "
            f"({_examples(top_images)}); move them into a class sub-folder or remove them."
        )
    return class_dirs


def _split_folders(root: Path, names: list[str]) -> list[tuple[int, str]] | None:
    """(code, folder name) of each split when `root` holds train/ (with class folders) and val/ or test/;
    None when its sub-folders are classes."""
    codes = {name: split_code(name) for name in names}
    train = [n for n, code in codes.items() if code == 0]
    if len(names) < 2 or not train or not any(code in (1, 2) for code in codes.values()) \
            or not _visible_sub_folders(root / train[0]):
        return None
    others = [n for n, code in codes.items() if code is None]
    if others:
        split_names = ", ".join(n for n in names if codes[n] is not None)
        raise DataError(f"Folder {root} has split folders ({split_names}) beside other folders ({_examples(others)}); "
                        "keep only train/, val/ and test/ there, each with one sub-folder per class.")
    for code in range(len(GIVEN_SPLITS)):
        same = [n for n in names if codes[n] == code]
        if len(same) > 1:
            raise DataError(f"Folder {root} has {len(same)} {GIVEN_SPLITS[code]} folders ({', '.join(same)}); keep "
                            "one of them.")
    return sorted((code, name) for name, code in codes.items())


def _scan_classes(folder: Path, root: Path, class_dirs: list[str], split: int | None
                  ) -> tuple[list[FileEntry], list[str]]:
    """The entries below `folder`'s class folders (paths relative to `root`), and the non-image files there.
    A split folder may hold a single class; a folder that is not split needs two."""
    if len(class_dirs) < 2 and split is None:
        only = class_dirs[0]
        deeper = deeper_data_root(folder / only)
        hint = f"; the class folders seem to be further down: pass {deeper} instead" if deeper else ""
        raise DataError(
            f"Folder {folder} has only one class folder ('{only}'); a classifier needs at least 2 classes, "
            f"so add one sub-folder of images per class{hint}."
        )
    entries: list[FileEntry] = []
    ignored: list[str] = []
    base = Path(os.path.relpath(folder, root))
    for name in class_dirs:
        images, others = walk_images(root, (base / name).as_posix())
        if not images:
            what = f" (only {_count(len(others), 'non-image file')}, e.g. {others[0]})" if others else ""
            raise DataError(f"Class folder '{name}' in {folder} has no images{what}; add images or remove the folder.")
        entries.extend(FileEntry(rel, root / rel, name, split) for rel in images)
        ignored.extend(others)
    return entries, ignored


def walk_images(root: Path, name: str) -> tuple[list[str], list[str]]:
    """Image and other file paths (relative to root, POSIX form, sorted) below one class folder.

    Follows symlinked folders, but visits each real folder once, so symlink loops end.
    """
    images: list[str] = []
    others: list[str] = []
    visited: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root / name, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in visited:
            dirnames[:] = []
            continue
        visited.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel_dir = Path(os.path.relpath(dirpath, root))
        for f in filenames:
            if f.startswith("."):
                continue
            (images if is_image_name(f) else others).append((rel_dir / f).as_posix())
    return sorted(images), sorted(others)


def deeper_data_root(folder: Path, depth: int = 3) -> Path | None:
    """The first folder at or below `folder` (following single sub-folders down `depth` levels) that has two or
    more sub-folders with images below them: the class folders, or train/ and test/ folders."""
    for _ in range(depth):
        subs = _visible_sub_folders(folder)
        if sum(_holds_an_image(sub) for sub in subs[:_SUB_FOLDERS_CHECKED]) >= 2:
            return folder
        if len(subs) != 1:
            return None
        folder = subs[0]
    return None


def _visible_sub_folders(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def _holds_an_image(folder: Path) -> bool:
    """True when an image file is somewhere below `folder` (looks into at most `_FOLDERS_WALKED` folders)."""
    for visited, (_, dirnames, filenames) in enumerate(os.walk(folder)):
        if any(is_image_name(f) for f in filenames):
            return True
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if visited >= _FOLDERS_WALKED:
            return False
    return False


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _examples(names: list[str]) -> str:
    shown = ", ".join(names[:_EXAMPLE_LIMIT])
    return shown + (f" and {len(names) - _EXAMPLE_LIMIT} more" if len(names) > _EXAMPLE_LIMIT else "")
