"""Folder sources: layout, class order, item ids, fingerprints, errors, unicode paths and symlinks."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from transferkit.data import Preprocessing, open_source
from transferkit.errors import DataError

PRE32 = Preprocessing(input_size=(3, 32, 32))


def write_image(path: Path, color=(200, 30, 30), size=(12, 10), mode="RGB") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path)
    return path


def make_folder(root: Path, counts: dict[str, int]) -> Path:
    for c, (name, n) in enumerate(counts.items()):
        for i in range(n):
            write_image(root / name / f"{i}.png", color=(10 * c, 20 * i, 100))
    return root


def data_error(spec: str, *words: str) -> str:
    with pytest.raises(DataError) as info:
        open_source(spec, progress=False)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


def test_classes_sorted_labels_and_item_ids(tmp_path):
    root = make_folder(tmp_path / "data", {"dog": 2, "cat": 3, "bird": 1})
    write_image(root / "cat" / "nested" / "deep.png")  # images below a class folder belong to it
    src = open_source(str(root), progress=False)
    assert src.classes == ["bird", "cat", "dog"]
    assert src.labels.dtype == np.int64
    assert np.bincount(src.labels).tolist() == [1, 4, 2]
    ids = src.item_ids()
    assert len(ids) == len(src) == 7
    digest = hashlib.sha256((root / "cat" / "0.png").read_bytes()).hexdigest()
    assert f"cat/0.png:{digest}" in ids
    assert any(i.startswith("cat/nested/deep.png:") for i in ids)
    assert src.skipped == []
    assert src.class_counts() == {"bird": 1, "cat": 4, "dog": 2}


def test_extensions_case_insensitive_hidden_ignored(tmp_path, caplog):
    root = make_folder(tmp_path / "d", {"a": 1, "b": 1})
    write_image(root / "a" / "UPPER.JPG")
    write_image(root / "a" / "mixed.PnG")
    write_image(root / "a" / ".hidden.png")
    write_image(root / "a" / ".cache" / "x.png")
    write_image(root / ".git" / "y.png")  # hidden folder at the top is not a class
    (root / "b" / "notes.txt").write_text("hello")
    with caplog.at_level(logging.WARNING, logger="transferkit"):
        src = open_source(str(root), progress=False)
    assert src.classes == ["a", "b"]
    assert src.class_counts() == {"a": 3, "b": 1}
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "notes.txt" in warnings[0].getMessage()


def test_read_shape_dtype_and_content(tmp_path):
    root = tmp_path / "d"
    write_image(root / "a" / "wide.png", color=(255, 0, 0), size=(64, 20))
    write_image(root / "b" / "tall.png", color=(0, 0, 255), size=(7, 50), mode="RGB")
    src = open_source(str(root), progress=False)
    x = src.read([0, 1], PRE32)
    assert x.dtype == torch.uint8 and x.shape == (2, 3, 32, 32)
    assert x[0, 0].float().mean() > 250 and x[0, 2].float().mean() < 5
    assert x[1, 2].float().mean() > 250 and x[1, 0].float().mean() < 5
    assert torch.equal(src.read([1], PRE32)[0], x[1])


def test_unicode_and_spaces_in_paths(tmp_path):
    root = tmp_path / "my data ü"
    write_image(root / "chat noir é" / "ñ 1.png")
    write_image(root / "犬 dog" / "写真 2.jpg", color=(1, 2, 3))
    src = open_source(str(root), progress=False)
    assert src.classes == ["chat noir é", "犬 dog"]
    assert src.read([0, 1], PRE32).shape == (2, 3, 32, 32)
    assert src.item_ids()[1].startswith("犬 dog/写真 2.jpg:")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loop_does_not_hang_and_links_are_followed(tmp_path):
    root = make_folder(tmp_path / "d", {"cat": 2})
    os.symlink(root / "cat", root / "cat" / "loop")  # a folder linking to its parent
    elsewhere = make_folder(tmp_path / "elsewhere", {"dogs": 3})
    os.symlink(elsewhere / "dogs", root / "dog")  # a class folder that is a link
    os.symlink(elsewhere / "dogs" / "0.png", root / "cat" / "linked.png")  # a file link
    src = open_source(str(root), progress=False)
    assert src.class_counts() == {"cat": 3, "dog": 3}


def test_fingerprint_stable_and_changes_with_bytes(tmp_path):
    root = make_folder(tmp_path / "d", {"a": 2, "b": 2})
    first = open_source(str(root), progress=False)
    again = open_source(str(root), progress=False)
    assert first.fingerprint() == again.fingerprint()
    assert len(first.fingerprint()) == 64
    write_image(root / "a" / "1.png", color=(9, 9, 9))  # same name, other bytes
    changed = open_source(str(root), progress=False)
    assert changed.fingerprint() != first.fingerprint()
    differing = [i for i, j in zip(first.item_ids(), changed.item_ids()) if i != j]
    assert len(differing) == 1 and differing[0].startswith("a/1.png:")


def test_read_refuses_a_file_changed_after_opening(tmp_path):
    root = make_folder(tmp_path / "d", {"a": 1, "b": 1})
    src = open_source(str(root), progress=False)
    write_image(root / "a" / "0.png", color=(1, 1, 1))
    with pytest.raises(DataError, match="changed"):
        src.read([0], PRE32)


def test_error_path_does_not_exist(tmp_path):
    data_error(str(tmp_path / "nope"), "does not exist", "csv:")


def test_error_path_is_a_file(tmp_path):
    write_image(tmp_path / "x.png")
    data_error(str(tmp_path / "x.png"), "is a file", "folder")
    (tmp_path / "list.csv").write_text("path,label\n")
    data_error(str(tmp_path / "list.csv"), "csv:")


def test_error_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    data_error(str(tmp_path / "empty"), "is empty", "sub-folder")


def test_error_images_but_no_class_folders(tmp_path):
    write_image(tmp_path / "d" / "1.png")
    data_error(str(tmp_path / "d"), "no class sub-folders", "move")


def test_error_images_outside_class_folders(tmp_path):
    root = make_folder(tmp_path / "d", {"a": 1, "b": 1})
    write_image(root / "stray.png")
    data_error(str(root), "outside the class sub-folders", "stray.png")


def test_error_class_folder_without_images(tmp_path):
    root = make_folder(tmp_path / "d", {"a": 1, "b": 1})
    (root / "c").mkdir()
    data_error(str(root), "Class folder 'c'", "no images", "remove the folder")


def test_error_only_one_class_with_hint(tmp_path):
    root = make_folder(tmp_path / "d" / "train", {"a": 1, "b": 1})
    message = data_error(str(tmp_path / "d"), "only one class", "at least 2 classes")
    assert str(root) in message  # suggests passing the nested folder


def test_progress_bar_path_runs(tmp_path, monkeypatch):
    monkeypatch.setattr("transferkit.data.file_source.PROGRESS_MIN_IMAGES", 1)
    root = make_folder(tmp_path / "d", {"a": 2, "b": 2})
    assert len(open_source(str(root), progress=True)) == 4
