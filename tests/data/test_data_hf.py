"""`hf:` data: a Hugging Face data set written by save_to_disk, or image files through the imagefolder builder."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from transferkit.data import Preprocessing, load_data
from transferkit.errors import DataError

PRE = Preprocessing(input_size=(3, 16, 16))
CLASSES = ["cat", "dog", "fox"]


@pytest.fixture(autouse=True)
def _offline_datasets_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))


def pixels(c: int, i: int) -> np.ndarray:
    rng = np.random.default_rng(100 * c + i)
    return rng.integers(0, 255, (20, 24, 3), dtype=np.uint8)


def test_a_saved_dataset_dict_keeps_its_named_splits(tmp_path):
    import datasets

    def part(split: str, per_class: int):
        rows = [(Image.fromarray(pixels(c, i + (0 if split == "train" else 50))), c)
                for c in range(len(CLASSES)) for i in range(per_class)]
        features = datasets.Features({"image": datasets.Image(), "label": datasets.ClassLabel(names=CLASSES)})
        return datasets.Dataset.from_dict({"image": [r[0] for r in rows], "label": [r[1] for r in rows]},
                                          features=features)

    saved = tmp_path / "saved"
    datasets.DatasetDict(train=part("train", 10), test=part("test", 4)).save_to_disk(str(saved))
    splits = load_data(f"hf:{saved}", PRE, seed=0, progress=False)
    assert splits.classes == CLASSES
    assert len(splits.test) == 12  # as given
    assert len(splits.train) + len(splits.val) == 30  # validation carved from the given train split
    assert splits.given_splits is not None
    # the test split's pixels are the given test images, resized
    expected = {PRE.resize_crop(torch.from_numpy(pixels(c, i + 50)).permute(2, 0, 1)).numpy().tobytes()
                for c in range(3) for i in range(4)}
    assert {image.numpy().tobytes() for image in splits.test.images} == expected


def test_image_files_through_the_imagefolder_builder(tmp_path):
    root = tmp_path / "files"
    for split, per_class in (("train", 8), ("validation", 3), ("test", 2)):
        for c, name in enumerate(CLASSES):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(per_class):
                Image.fromarray(pixels(c, i)).save(folder / f"{split}-{i}.png")
    splits = load_data(f"hf:{root}", PRE, seed=3, progress=False)
    assert sorted(splits.classes) == CLASSES
    assert (len(splits.train), len(splits.val), len(splits.test)) == (24, 9, 6)
    few = load_data(f"hf:{root}", PRE, seed=3, progress=False, labels_per_class=2)
    assert len(few.train) == 6 and len(few.val) == 9  # labels drawn from the given train split only


def test_a_missing_dataset_is_a_one_line_error(tmp_path):
    with pytest.raises(DataError, match="not a directory|Cannot load"):
        load_data(f"hf:{tmp_path / 'nothing.txt'}", PRE, progress=False)
    with pytest.raises(DataError, match="Cannot load the Hugging Face data set 'no-such/dataset-name'"):
        load_data("hf:no-such/dataset-name", PRE, progress=False)
