"""A small image-folder target (glyphs saved as PNG files, larger than the model's input) and a run on it."""

from __future__ import annotations

import pytest

from folder_data import write_image_folder


@pytest.fixture(scope="session")
def image_folder(tmp_path_factory):
    return write_image_folder(tmp_path_factory.mktemp("folder") / "glyphs")


@pytest.fixture(scope="session")
def folder_run(tiny_model_dir, image_folder, tmp_path_factory):
    """A linear probe with the standard augmentation (it flips images) on the image folder; run directory written."""
    from transferkit import adapt

    out = tmp_path_factory.mktemp("runs") / "folder-run"
    return adapt(str(tiny_model_dir), str(image_folder), "linear-probe", out=out, epochs=3, augment="standard",
                 progress=False)
