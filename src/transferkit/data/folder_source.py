"""`FolderSource`: an image folder in ImageFolder layout (one sub-folder of images per class); read as unlabelled
images (`UnlabeledFolder`), any layout."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import DataError
from .file_source import FileEntry, FileSource
from .folder_layout import scan_folder, walk_images
from .registry import accepted, register_source
from .text_files import has_text_files, read_text_folder

UNLABELED = "(unlabeled)"


@register_source
class FolderSource(FileSource):
    """Classes are the visible sub-folders of `root`, sorted by name; images anywhere below a class folder
    belong to that class. Hidden files and folders are ignored; symlinks are followed, loops are not."""

    prefix = None  # plain paths
    usage = "an image folder (or a folder of .txt files) with one sub-folder per class"

    def __init__(self, spec: str, root: Path, *, progress: bool = True):
        self.root = root
        entries = scan_folder(root)
        super().__init__(
            spec,
            entries,
            where=f"folder {root}",
            class_label=lambda name: f"Class folder '{name}' in {root}",
            progress=progress,
        )

    @classmethod
    def open(cls, spec: str, argument: str, *, progress: bool = True) -> FolderSource:
        path = Path(argument).expanduser()
        if not path.exists():
            raise DataError(f"Data path '{spec}' does not exist; pass {accepted()}.")
        if path.is_file():
            if path.suffix.lower() == ".csv":
                raise DataError(f"'{spec}' is a CSV file; pass 'csv:{spec}' to read it as a list of path,label rows.")
            raise DataError(f"'{spec}' is a file, not a folder; pass {accepted()}.")
        if has_text_files(path):
            return read_text_folder(spec, path)
        return cls(spec, path, progress=progress)

    @classmethod
    def open_unlabeled(cls, spec: str, argument: str, *, progress: bool = True) -> FileSource:
        path = Path(argument).expanduser()
        if not path.exists():
            raise DataError(f"Unlabelled data path '{spec}' does not exist; pass a folder of target images.")
        if path.is_dir():
            return UnlabeledFolder(spec, path, progress=progress)
        return cls.open(spec, argument, progress=progress)


class UnlabeledFolder(FileSource):
    """Every image file below `root` (hidden files and folders ignored; symlinked folders followed once)."""

    def __init__(self, spec: str, root: Path, *, progress: bool = True):
        self.root = root
        try:
            os.listdir(root)
        except OSError as e:
            raise DataError(f"Cannot list the unlabelled folder {root} ({e.strerror}); check that it exists and is "
                            "readable.") from None
        images, others = walk_images(root, ".")
        if not images:
            what = f" (only {len(others)} files without an image extension, e.g. {others[0]})" if others else ""
            raise DataError(f"The unlabelled folder {root} has no images{what}; put the unlabelled target images in it "
                            "(any sub-folders).")
        entries = [FileEntry(rel, root / rel, UNLABELED) for rel in images]
        super().__init__(spec, entries, where=f"unlabelled folder {root}",
                         class_label=lambda _name: f"The unlabelled folder {root}", progress=progress)

    def _check_every_class_readable(self, entries, class_label) -> None:
        if not self.entries:
            raise DataError(f"The unlabelled folder {self.root} has no readable images ({len(entries)} unreadable, "
                            "see the warning above); replace them with readable image files.")
