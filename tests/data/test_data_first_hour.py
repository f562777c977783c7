"""Data surprises a new user meets in the first hour: a data set one folder too deep, labels that differ only by
surrounding spaces, and duplicate images across classes or splits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image
from support.assertions import assert_one_line_error

from transferkit.data import Preprocessing, load_data, open_source
from transferkit.errors import DataError

PRE8 = Preprocessing(input_size=(3, 8, 8))


def images(folder: Path, n: int, shade: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.new("RGB", (8, 8), (shade, 10 * i, 3)).save(folder / f"{i}.png")
    return folder


@pytest.mark.parametrize("layout, deeper", [
    ("dataset/{c}/batch1", "dataset"),  # images one level below the class folders
    ("outer/dataset/{c}", "outer/dataset"),  # two folders too deep
    ("dataset/{s}/{c}", "dataset"),  # train/ and test/ folders one level down
])
def test_a_data_set_too_deep_suggests_the_deeper_folder(tmp_path, layout, deeper):
    root = tmp_path / "root"
    for s in ("train", "test"):
        for k, c in enumerate(("cat", "dog")):
            images(root / layout.format(s=s, c=c), 3, shade=40 * k + (100 if s == "test" else 0))
    message = assert_one_line_error(DataError, lambda: open_source(str(root), progress=False), "only one class folder")
    assert f"pass {root / deeper} instead" in message
    assert len(open_source(str(root / deeper), progress=False).classes) == 2  # the suggestion works


def test_no_suggestion_when_nothing_deeper_is_a_data_set(tmp_path):
    images(tmp_path / "root" / "only" / "cat", 3)
    message = assert_one_line_error(DataError, lambda: open_source(str(tmp_path / "root"), progress=False),
                                    "only one class folder")
    assert "instead" not in message


def test_csv_labels_differing_by_spaces_are_merged_with_a_warning(tmp_path, caplog):
    images(tmp_path / "img", 6)
    rows = ["img/0.png,cat", "img/1.png,cat ", "img/2.png, cat", "img/3.png,dog", "img/4.png,dog", "img/5.png,dog"]
    (tmp_path / "list.csv").write_text("path,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    src = open_source(f"csv:{tmp_path / 'list.csv'}", progress=False)
    assert src.class_counts() == {"cat": 3, "dog": 3}
    assert "differ only by surrounding spaces: ' cat' and 'cat' and 'cat '" in caplog.text
    assert "read as one class 'cat'" in caplog.text and caplog.text.count("surrounding spaces") == 1


def test_class_folders_differing_by_spaces_are_warned_about(tmp_path, caplog):
    for name in ("cat", "cat ", "dog"):
        images(tmp_path / "d" / name, 3)
    src = open_source(str(tmp_path / "d"), progress=False)
    assert src.classes == ["cat", "cat ", "dog"]
    assert "differ only by surrounding spaces: 'cat' and 'cat '" in caplog.text
    assert "read as separate classes" in caplog.text


def test_plain_labels_give_no_space_warning(tmp_path, caplog):
    for name in ("cat", "dog"):
        images(tmp_path / "d" / name, 3)
    open_source(str(tmp_path / "d"), progress=False)
    assert "surrounding spaces" not in caplog.text


def test_one_image_under_two_classes_is_found_warned_and_recorded(tmp_path, caplog):
    root = tmp_path / "d"
    images(root / "cat", 4, shade=0)
    images(root / "dog", 4, shade=90)
    shutil.copy(root / "cat" / "2.png", root / "dog" / "copy.png")
    summary = load_data(str(root), PRE8, progress=False).summary()
    assert summary["duplicates"]["across_classes"]["groups"] == 1
    assert summary["duplicates"]["across_classes"]["images"] == 2
    assert summary["duplicates"]["across_classes"]["examples"][0][0].startswith("cat/2.png (cat")
    assert "1 image under two or more classes (e.g. cat/2.png" in caplog.text
    assert caplog.text.count("Found duplicate images") == 1


def test_images_repeated_across_given_splits_are_counted(tmp_path, caplog):
    root = tmp_path / "d"
    for k, c in enumerate(("cat", "dog")):
        images(root / "train" / c, 4, shade=40 * k)
        images(root / "test" / c, 2, shade=40 * k + 100)
    for name in ("0.png", "1.png"):
        shutil.copy(root / "train" / "cat" / name, root / "test" / "cat" / f"again-{name}")
    splits = load_data(str(root), PRE8, progress=False)
    found = splits.summary()["duplicates"]
    assert found["across_splits"] == {"groups": 2, "images": 4, "examples": found["across_splits"]["examples"]}
    assert found["across_classes"]["groups"] == 0
    assert "2 images in more than one of train/val/test" in caplog.text


def test_repeated_pixels_in_idx_sets_are_counted(tmp_path):
    from test_data_idx import idx_folder, tiny_images, write_idx
    import numpy as np

    root = idx_folder(tmp_path / "idx", train_per_class=4, test_per_class=2, classes=2, gz=False)
    labels = np.tile(np.arange(2, dtype=np.uint8), 2)
    test = tiny_images(labels, 100)
    test[0] = tiny_images(np.zeros(1, dtype=np.uint8), 0)[0]  # the first training image, again, in t10k
    write_idx(root / "t10k-images-idx3-ubyte", test)
    found = load_data(f"idx:{root}", Preprocessing(input_size=(3, 5, 5)), progress=False).summary()["duplicates"]
    assert found["across_splits"]["groups"] == 1 and found["across_classes"]["groups"] == 0


def test_distinct_images_record_no_duplicates(tmp_path, caplog):
    for k, c in enumerate(("cat", "dog")):
        images(tmp_path / "d" / c, 4, shade=40 * k)
    found = load_data(str(tmp_path / "d"), PRE8, progress=False).summary()["duplicates"]
    assert found["across_classes"]["groups"] == 0 and found["across_splits"]["groups"] == 0
    assert "duplicate" not in caplog.text
