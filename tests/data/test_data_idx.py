"""IDX data sets (idx:DIR) written here in tiny files, the fashion-mnist shortcut, and the real Fashion-MNIST."""

from __future__ import annotations

import gzip
import struct
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from support.assertions import assert_one_line_error

import transferkit.data.fashion_mnist as fashion_mnist
from transferkit.data import Preprocessing, load_data, open_source
from transferkit.errors import DataError

PRE5 = Preprocessing(input_size=(3, 5, 5))


def write_idx(path: Path, array: np.ndarray, *, header: bytes | None = None) -> Path:
    """Write `array` (uint8) in the IDX format, gzipped when the name ends with .gz."""
    array = np.asarray(array, dtype=np.uint8)
    head = header if header is not None else bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I",
                                                                                             *array.shape)
    data = head + array.tobytes()
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def tiny_images(labels: np.ndarray, offset: int) -> np.ndarray:
    """5x5 images whose first pixel is the image's number (offset + i) and whose second is its label."""
    images = np.zeros((len(labels), 5, 5), dtype=np.uint8)
    images[:, 0, 0] = offset + np.arange(len(labels))
    images[:, 0, 1] = labels
    return images


def idx_folder(root: Path, train_per_class: int = 6, test_per_class: int = 3, classes: int = 3, gz: bool = True,
               names: list[str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    ext = ".gz" if gz else ""
    for name, per_class, offset in (("train", train_per_class, 0), ("t10k", test_per_class, 100)):
        labels = np.tile(np.arange(classes, dtype=np.uint8), per_class)
        write_idx(root / f"{name}-images-idx3-ubyte{ext}", tiny_images(labels, offset))
        write_idx(root / f"{name}-labels-idx1-ubyte{ext}", labels)
    if names is not None:
        (root / "classes.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    return root


def one_line_error(spec: str, *words: str) -> str:
    return assert_one_line_error(DataError, lambda: open_source(spec, progress=False), *words)


@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder_reads_both_sets_with_class_names(tmp_path, gz):
    root = idx_folder(tmp_path / "set", gz=gz, names=["cat", "dog", "bird"])
    src = open_source(f"idx:{root}", progress=False)
    assert src.classes == ["cat", "dog", "bird"]  # in label order, not sorted
    assert len(src) == 27 and src.class_counts() == {"cat": 9, "dog": 9, "bird": 9}
    assert src.item_ids()[0] == "train:0" and src.item_ids()[18] == "t10k:0"
    assert src.given_splits.tolist() == [0] * 18 + [2] * 9
    pixels = src.read(np.arange(len(src)), PRE5)
    assert pixels.dtype == torch.uint8 and pixels.shape == (27, 3, 5, 5)
    numbers = pixels[:, 0, 0, 0].tolist()
    assert numbers == list(range(18)) + list(range(100, 109))  # every image once, as written
    assert torch.equal(pixels[:, 0, 0, 1], torch.from_numpy(src.labels))  # each image carries its own label


def test_idx_without_class_file_numbers_the_classes_present(tmp_path):
    root = tmp_path / "set"
    root.mkdir()
    labels = np.array([1, 4, 1, 4, 4, 1], dtype=np.uint8)  # ids 0, 2, 3 unused
    write_idx(root / "train-images-idx3-ubyte", tiny_images(labels, 0))
    write_idx(root / "train-labels-idx1-ubyte", labels)
    src = open_source(f"idx:{root}", progress=False)
    assert src.classes == ["1", "4"] and src.labels.tolist() == [0, 1, 0, 1, 1, 0]
    assert src.given_splits is None  # one set: nothing given
    assert open_source(f"idx:{root}", progress=False).fingerprint() == src.fingerprint()


def test_fashion_mnist_shortcut_names_its_classes(tmp_path, monkeypatch):
    root = idx_folder(tmp_path / "fm", classes=10, train_per_class=1, test_per_class=1)
    monkeypatch.setattr(fashion_mnist, "FASHION_MNIST_DIR", root)
    src = open_source("fashion-mnist", progress=False)
    assert src.classes[0] == "T-shirt/top" and src.classes[-1] == "Ankle boot" and len(src) == 20


def test_fashion_mnist_missing_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "FASHION_MNIST_DIR", tmp_path / "absent")
    one_line_error("fashion-mnist", "not installed", "apt-get install dataset-fashion-mnist", "idx:DIR")


def test_idx_errors_name_the_problem(tmp_path):
    one_line_error(f"idx:{tmp_path / 'nowhere'}", "does not exist")
    one_line_error("idx:", "names no folder")
    one_line_error(f"idx:{tmp_path}", "no IDX files", "train-images-idx3-ubyte.gz")
    root = idx_folder(tmp_path / "a")
    (root / "t10k-labels-idx1-ubyte.gz").unlink()
    one_line_error(f"idx:{root}", "t10k-images-idx3-ubyte.gz", "no t10k-labels-idx1-ubyte")
    root = idx_folder(tmp_path / "b", gz=False)
    path = root / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-7])
    one_line_error(f"idx:{root}", "cut short", "replace it")
    root = idx_folder(tmp_path / "c")
    (root / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\0\0\x08\x03")[:-6])
    one_line_error(f"idx:{root}", "gzip data is corrupt")
    root = idx_folder(tmp_path / "d", gz=False)
    write_idx(root / "train-labels-idx1-ubyte", np.zeros(3), header=b"\0\0\x0d\x01" + struct.pack(">I", 3))
    one_line_error(f"idx:{root}", "not an IDX file")
    root = idx_folder(tmp_path / "e", gz=False)
    write_idx(root / "train-labels-idx1-ubyte", np.zeros(4))
    one_line_error(f"idx:{root}", "18 images", "4 labels")
    root = idx_folder(tmp_path / "f", names=["cat", "dog"])
    one_line_error(f"idx:{root}", "classes.txt names 2 classes", "up to 2")
    root = idx_folder(tmp_path / "g", names=["cat", "", "dog"])
    one_line_error(f"idx:{root}", "line 2 is empty")


@pytest.mark.skipif(not fashion_mnist.FASHION_MNIST_DIR.is_dir(), reason="Fashion-MNIST is not installed")
def test_real_fashion_mnist_opens_and_splits_fast():
    started = time.perf_counter()
    src = open_source("fashion-mnist", progress=False)
    opened = time.perf_counter() - started
    assert len(src) == 70_000 and src.images.shape == (70_000, 28, 28)
    assert src.class_counts() == {name: 7_000 for name in fashion_mnist.FASHION_MNIST_CLASSES}
    assert np.bincount(src.given_splits).tolist() == [60_000, 0, 10_000]
    assert src.classes[src.labels[0]] == "Ankle boot"  # the first training image of Fashion-MNIST
    assert opened < 10, opened
    started = time.perf_counter()
    splits = load_data("fashion-mnist", Preprocessing(input_size=(3, 28, 28)), labels_per_class=10, progress=False)
    assert len(splits.train) == 100 and splits.classes == list(fashion_mnist.FASHION_MNIST_CLASSES)
    assert time.perf_counter() - started < 20
