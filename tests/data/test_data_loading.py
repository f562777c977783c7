"""load_data, the bundled digits, spec dispatch and augmentations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import transferkit.data as data
from transferkit.data import AUGMENTATIONS, Preprocessing, load_data, make_augmentation, open_source
from transferkit.errors import DataError

PRE32 = Preprocessing(input_size=(3, 32, 32))


def make_folder(root: Path, counts: dict[str, int]) -> Path:
    for c, (name, n) in enumerate(counts.items()):
        (root / name).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB", (20 + i, 16), (60 * c, 7 * i, 90)).save(root / name / f"{i}.png")
    return root


def test_public_names_are_exported():
    expected = {"Preprocessing", "ImageSource", "open_source", "Split", "make_split", "ImageTensors",
                "DataSplits", "load_data", "make_augmentation", "AUGMENTATIONS"}
    assert expected <= set(data.__all__)
    assert all(hasattr(data, name) for name in expected)


def test_digits_source():
    src = open_source("digits", progress=False)
    assert len(src) == 1797 and src.classes == [str(i) for i in range(10)]
    assert src.images.shape == (1797, 8, 8) and src.images.max() == 255
    assert src.item_ids()[3] == "digits:3"
    x = src.read(np.arange(10), PRE32)
    assert x.shape == (10, 3, 32, 32) and x.dtype == torch.uint8


def test_load_data_digits_labels_per_class_and_summary():
    splits = load_data("digits", PRE32, labels_per_class=5, seed=1, progress=False)
    assert splits.classes == [str(i) for i in range(10)]
    assert len(splits.train) == 50 and len(splits.train) + len(splits.val) + len(splits.test) == 1797
    for part in (splits.train, splits.val, splits.test):
        assert part.images.dtype == torch.uint8 and part.images.shape[1:] == (3, 32, 32)
        assert part.labels.dtype == torch.int64 and len(part.images) == len(part.labels)
    summary = splits.summary()
    assert summary["spec"] == "digits" and summary["num_skipped"] == 0 and summary["skipped"] == []
    assert summary["splits"]["train"]["class_counts"] == {str(i): 5 for i in range(10)}
    assert summary["splits"]["train"]["images"] == 50
    assert summary["fingerprint"] == open_source("digits").fingerprint()
    fps = {summary["splits"][n]["fingerprint"] for n in ("train", "val", "test")}
    assert len(fps) == 3


def test_load_data_is_deterministic_and_seeded():
    a = load_data("synthetic:glyphs?classes=4&per_class=10", PRE32, seed=0, progress=False)
    b = load_data("synthetic:glyphs?classes=4&per_class=10", PRE32, seed=0, progress=False)
    c = load_data("synthetic:glyphs?classes=4&per_class=10", PRE32, seed=1, progress=False)
    assert torch.equal(a.train.images, b.train.images) and a.train.fingerprint == b.train.fingerprint
    assert a.train.fingerprint != c.train.fingerprint
    assert a.fingerprint == c.fingerprint  # same source, other split
    d = load_data("synthetic:glyphs?classes=4&per_class=10&seed=5", PRE32, seed=0, progress=False)
    assert d.train.fingerprint != a.train.fingerprint  # same positions, other generated images


def test_load_data_folder_resizes_and_records_skipped(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "d", {"a": 4, "b": 5})
    (root / "b" / "broken.jpg").write_bytes(b"\xff\xd8 nope")
    monkeypatch.setattr("transferkit.data.streamed_images.PROGRESS_MIN_IMAGES", 1)  # exercise the progress path
    splits = load_data(str(root), Preprocessing(input_size=(3, 24, 40)), seed=0, progress=True, max_bad_fraction=0.1)
    assert splits.train.images.shape[1:] == (3, 24, 40)
    assert splits.summary()["skipped"] == [{"path": "b/broken.jpg", "reason": "not a recognised image format"}]
    assert splits.summary()["num_skipped"] == 1
    total = sum(len(p) for p in (splits.train, splits.val, splits.test))
    assert total == 9
    with pytest.raises(DataError, match=r"1 of 10 images .* are unreadable \(10\.0%\), more than --max-bad-fraction 0\.09"):
        load_data(str(root), Preprocessing(input_size=(3, 24, 40)), progress=False, max_bad_fraction=0.09)


def test_split_fingerprint_changes_with_file_bytes(tmp_path):
    root = make_folder(tmp_path / "d", {"a": 3, "b": 3})
    before = load_data(str(root), PRE32, progress=False)
    Image.new("RGB", (5, 5), (1, 1, 1)).save(root / "a" / "0.png")
    after = load_data(str(root), PRE32, progress=False)
    changed = [n for n in ("train", "val", "test") if getattr(before, n).fingerprint != getattr(after, n).fingerprint]
    assert len(changed) == 1 and before.fingerprint != after.fingerprint


@pytest.mark.parametrize("hw", [(10, 50), (50, 10), (30, 30)])
def test_non_square_input_size_is_covered_without_borders(hw):
    image = torch.full((3, *hw), 200, dtype=torch.uint8)
    for pre in (Preprocessing(input_size=(3, 24, 40)), Preprocessing(input_size=(3, 40, 24), crop_pct=0.875)):
        out = pre.resize_crop(image)
        assert tuple(out.shape) == (3, *pre.size_hw)
        assert int(out.min()) == 200  # no black padding


@pytest.mark.parametrize("spec", ["", "not/a/path", "synthetic:nope"])
def test_bad_specs(spec):
    with pytest.raises(DataError) as info:
        open_source(spec, progress=False)
    assert "\n" not in str(info.value)


def test_augmentations_keep_shape_and_dtype():
    assert AUGMENTATIONS == ("none", "light", "standard")
    assert make_augmentation("none", (32, 32)) is None
    torch.manual_seed(0)
    image = torch.randint(0, 256, (3, 24, 40), dtype=torch.uint8)
    for name in ("light", "standard"):
        aug = make_augmentation(name, (24, 40))
        outs = [aug(image) for _ in range(4)]
        assert all(o.shape == (3, 24, 40) and o.dtype == torch.uint8 for o in outs)
        assert any(not torch.equal(o, image) for o in outs)


def test_unknown_augmentation_lists_choices():
    with pytest.raises(DataError) as info:
        make_augmentation("heavy", (32, 32))
    assert "'heavy'" in str(info.value) and "none, light, standard" in str(info.value)
