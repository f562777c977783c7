"""Image-folder data for the tests of using a trained model: glyphs saved as PNG files, and a run's test split."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

FOLDER_DATA = "synthetic:glyphs?classes=4&per_class=30&size=20&seed=0"


def write_image_folder(root: Path, spec: str = FOLDER_DATA) -> Path:
    """The images of a built-in data spec as PNG files, one sub-folder per class."""
    from transferkit.data import open_source

    source = open_source(spec, progress=False)
    for i, (image, label) in enumerate(zip(source.images, source.labels)):
        folder = root / source.classes[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{i:03d}.png")
    return root


def split_files(folder: Path, seed: int = 0, part: str = "test") -> list[tuple[Path, str]]:
    """(path, class name) of the images of one split that a run with `seed` drew from an image folder."""
    from transferkit.data import make_split, open_source

    source = open_source(str(folder), progress=False)
    split = make_split(source.labels, source.classes, seed=seed)
    return [(source.entries[i].path, source.classes[source.labels[i]]) for i in getattr(split, part)]


def write_path_list(csv_file: Path, paths: list[Path]) -> Path:
    csv_file.write_text("path\n" + "".join(f"{p}\n" for p in paths), encoding="utf-8")
    return csv_file
