"""Given splits: train/val/test folders, a CSV split column and IDX train/t10k files are used as given.

Every image written here carries its origin in its pixels (red: 100 x split code + class, green: its number), so
the tests read back from the loaded tensors which split each image came from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support.assertions import assert_one_line_error
from test_data_idx import idx_folder

from transferkit.data import Preprocessing, load_data, open_source
from transferkit.errors import DataError

PRE8 = Preprocessing(input_size=(3, 8, 8))
CODES = {"train": 0, "val": 1, "valid": 1, "validation": 1, "test": 2}


def split_folder(root: Path, counts: dict[str, dict[str, int]]) -> Path:
    """root/<split>/<class>/<i>.png with counts[split][class] images."""
    for split, per_class in counts.items():
        for c, (name, n) in enumerate(sorted(per_class.items())):
            (root / split / name).mkdir(parents=True, exist_ok=True)
            for i in range(n):
                Image.new("RGB", (8, 8), (100 * CODES[split] + c, i, 7)).save(root / split / name / f"{i}.png")
    return root


def origins(part) -> list[tuple[int, int, int]]:
    """(split code, class, number) of every image of a loaded split."""
    pixels = part.images[:, :, 0, 0].tolist()
    return [(r // 100, r % 100, g) for r, g, _ in pixels]


def assert_disjoint(splits) -> None:
    seen = [set(origins(getattr(splits, name))) for name in ("train", "val", "test")]
    assert sum(map(len, seen)) == sum(len(getattr(splits, n)) for n in ("train", "val", "test"))  # no repeats
    assert not (seen[0] & seen[1]) and not (seen[0] & seen[2]) and not (seen[1] & seen[2])


def test_train_val_test_folders_are_used_as_given(tmp_path):
    root = split_folder(tmp_path / "d", {"train": {"a": 6, "b": 5}, "val": {"a": 2, "b": 3}, "test": {"a": 4, "b": 1}})
    splits = load_data(str(root), PRE8, progress=False)
    assert splits.classes == ["a", "b"]
    for name, code in (("train", 0), ("val", 1), ("test", 2)):
        part = getattr(splits, name)
        assert {o[0] for o in origins(part)} == {code}, name  # every image from its own folder
    summary = splits.summary()
    assert {n: summary["splits"][n]["class_counts"] for n in ("train", "val", "test")} == {
        "train": {"a": 6, "b": 5}, "val": {"a": 2, "b": 3}, "test": {"a": 4, "b": 1}}
    assert summary["given_splits"] == {"given": ["train", "val", "test"], "carved": {}, "unused_train_images": 0}
    assert_disjoint(splits)


def test_labels_per_class_draws_only_from_the_given_train_split(tmp_path):
    root = split_folder(tmp_path / "d", {"train": {"a": 6, "b": 5}, "valid": {"a": 2, "b": 3},
                                         "test": {"a": 4, "b": 1}})
    splits = load_data(str(root), PRE8, labels_per_class=2, seed=3, progress=False)
    assert [o[0] for o in origins(splits.train)] == [0] * 4
    assert splits.summary()["splits"]["train"]["class_counts"] == {"a": 2, "b": 2}
    assert len(splits.val) == 5 and len(splits.test) == 5  # the given ones, whole
    assert splits.summary()["given_splits"]["unused_train_images"] == 7
    other = load_data(str(root), PRE8, labels_per_class=2, seed=4, progress=False)
    assert origins(other.train) != origins(splits.train)  # seeded draw
    assert_disjoint(splits)


def test_validation_is_carved_from_train_when_only_train_and_test_are_given(tmp_path):
    root = split_folder(tmp_path / "d", {"train": {"a": 10, "b": 15}, "test": {"a": 3, "b": 3}})
    splits = load_data(str(root), PRE8, seed=0, progress=False)
    counts = {n: splits.summary()["splits"][n]["class_counts"] for n in ("train", "val", "test")}
    assert counts == {"train": {"a": 8, "b": 12}, "val": {"a": 2, "b": 3}, "test": {"a": 3, "b": 3}}
    assert {o[0] for o in origins(splits.val)} == {0}  # carved from train
    assert {o[0] for o in origins(splits.test)} == {2}
    assert splits.summary()["given_splits"]["carved"] == {
        "val": {"from": "train", "fraction": 0.2, "seed": 0, "stratified": True}}
    assert_disjoint(splits)
    again = load_data(str(root), PRE8, seed=0, progress=False)
    assert origins(again.val) == origins(splits.val)
    assert origins(load_data(str(root), PRE8, seed=1, progress=False).val) != origins(splits.val)


def test_csv_split_column(tmp_path):
    root = split_folder(tmp_path / "d", {"train": {"a": 4, "b": 4}, "validation": {"a": 2, "b": 2},
                                         "test": {"a": 1, "b": 2}})
    rows = [f"{p.relative_to(tmp_path).as_posix()},{p.parent.name},{p.parts[-3].capitalize()}"
            for p in sorted(root.rglob("*.png"))]
    (tmp_path / "list.csv").write_text("path,label,split\n" + "\n".join(rows) + "\n", encoding="utf-8")
    splits = load_data(f"csv:{tmp_path / 'list.csv'}", PRE8, progress=False)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (8, 4, 3)
    for name, code in (("train", 0), ("val", 1), ("test", 2)):
        assert {o[0] for o in origins(getattr(splits, name))} == {code}
    assert_disjoint(splits)
    (tmp_path / "bad.csv").write_text("path,label,split\n" + rows[0].rsplit(",", 1)[0] + ",holdout\n")
    assert_one_line_error(DataError, lambda: open_source(f"csv:{tmp_path / 'bad.csv'}", progress=False),
                          "line 2 has split 'holdout'", "train, val")


def test_idx_t10k_is_the_test_split_and_validation_comes_from_train(tmp_path):
    root = idx_folder(tmp_path / "idx", train_per_class=10, test_per_class=3)
    splits = load_data(f"idx:{root}", Preprocessing(input_size=(3, 5, 5)), labels_per_class=4, progress=False)
    numbers = {name: getattr(splits, name).images[:, 0, 0, 0].tolist() for name in ("train", "val", "test")}
    assert sorted(numbers["test"]) == list(range(100, 109))  # t10k, whole
    assert all(n < 100 for n in numbers["train"] + numbers["val"]) and len(numbers["train"]) == 12
    assert len(numbers["val"]) == 6  # 0.2 of each class's 10 train images
    assert not set(numbers["train"]) & set(numbers["val"])
    assert splits.summary()["given_splits"]["given"] == ["train", "test"]


def test_given_split_errors(tmp_path):
    root = split_folder(tmp_path / "a", {"train": {"a": 3}, "test": {"a": 1, "b": 2}})
    assert_one_line_error(DataError, lambda: load_data(str(root), PRE8, progress=False),
                          "Class 'b' has no images in the given train split")
    root = split_folder(tmp_path / "b", {"train": {"a": 3, "b": 3}, "test": {"a": 1, "b": 2}})
    assert_one_line_error(DataError, lambda: load_data(str(root), PRE8, labels_per_class=3, progress=False),
                          "Class 'a' has 3 images in the given train split", "needs at least 4")
    root = split_folder(tmp_path / "c", {"train": {"a": 3, "b": 3}, "test": {"a": 1, "b": 2}})
    split_folder(root, {"val": {"a": 1, "b": 1}, "valid": {"a": 1, "b": 1}})
    assert_one_line_error(DataError, lambda: open_source(str(root), progress=False), "2 val folders (val, valid)")
    root = split_folder(tmp_path / "e", {"train": {"a": 3, "b": 3}, "test": {"a": 1, "b": 2}})
    (root / "extras" / "x").mkdir(parents=True)
    assert_one_line_error(DataError, lambda: open_source(str(root), progress=False),
                          "split folders (test, train) beside other folders (extras)")
    root = split_folder(tmp_path / "f", {"train": {"a": 3}, "test": {"a": 1}})
    assert_one_line_error(DataError, lambda: open_source(str(root), progress=False),
                          "only one class ('a') in its split folders")


def test_a_class_missing_from_a_given_test_split_is_warned_about(tmp_path, caplog):
    root = split_folder(tmp_path / "d", {"train": {"a": 3, "b": 3}, "val": {"a": 1, "b": 1}, "test": {"a": 2}})
    splits = load_data(str(root), PRE8, progress=False)
    assert splits.summary()["splits"]["test"]["class_counts"] == {"a": 2, "b": 0}
    assert "The given test split has no images of class 'b'" in caplog.text


def test_class_folders_named_like_splits_stay_classes(tmp_path):
    for name in ("train", "test"):  # images directly inside: these are two classes
        (tmp_path / name).mkdir()
        for i in range(3):
            Image.new("RGB", (8, 8), (i, 0, 0)).save(tmp_path / name / f"{i}.png")
    src = open_source(str(tmp_path), progress=False)
    assert src.classes == ["test", "train"] and src.given_splits is None
    assert np.bincount(src.labels).tolist() == [3, 3]
