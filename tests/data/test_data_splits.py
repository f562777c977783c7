"""Splits: deterministic, stratified, seeded; exact labels per class; clear errors for small classes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transferkit.data import make_split
from transferkit.errors import DataError


def labels_for(counts: list[int]) -> np.ndarray:
    return np.concatenate([np.full(n, c, dtype=np.int64) for c, n in enumerate(counts)])


def classes_for(counts: list[int]) -> list[str]:
    return [f"c{i}" for i in range(len(counts))]


def check_partition(split, labels: np.ndarray, n_classes: int) -> None:
    parts = [split.train, split.val, split.test]
    for p in parts:
        assert p.dtype == np.int64
        assert np.array_equal(p, np.sort(p))
        assert set(labels[p]) == set(range(n_classes))  # every class in every part
    everything = np.concatenate(parts)
    assert np.array_equal(np.sort(everything), np.arange(len(labels)))


def test_fractions_stratified():
    counts = [50, 10, 3]
    labels = labels_for(counts)
    split = make_split(labels, classes_for(counts))
    check_partition(split, labels, 3)
    per = {name: np.bincount(labels[getattr(split, name)], minlength=3).tolist() for name in ("train", "val", "test")}
    assert per == {"train": [30, 6, 1], "val": [10, 2, 1], "test": [10, 2, 1]}


def test_labels_per_class_exact_and_rest_halved():
    counts = [20, 13, 7]
    labels = labels_for(counts)
    split = make_split(labels, classes_for(counts), labels_per_class=5)
    check_partition(split, labels, 3)
    assert np.bincount(labels[split.train]).tolist() == [5, 5, 5]
    assert np.bincount(labels[split.val]).tolist() == [8, 4, 1]  # validation gets the odd one
    assert np.bincount(labels[split.test]).tolist() == [7, 4, 1]


def test_deterministic_and_seed_dependent():
    labels = labels_for([40, 40, 40])
    a = make_split(labels, classes_for([40] * 3), seed=3)
    b = make_split(labels, classes_for([40] * 3), seed=3)
    c = make_split(labels, classes_for([40] * 3), seed=4)
    assert all(np.array_equal(getattr(a, n), getattr(b, n)) for n in ("train", "val", "test"))
    assert not np.array_equal(a.train, c.train)


def test_interleaved_labels_work():
    labels = np.tile(np.arange(4, dtype=np.int64), 10)
    split = make_split(labels, ["a", "b", "c", "d"], labels_per_class=2)
    check_partition(split, labels, 4)
    assert len(split.train) == 8


def test_error_class_too_small_for_labels_per_class():
    with pytest.raises(DataError) as info:
        make_split(labels_for([20, 3]), ["dog", "cat"], labels_per_class=10)
    assert str(info.value) == (
        "Class 'cat' has 3 images; --labels-per-class 10 needs at least 12 (10 to train, 1 to validate, 1 to test)."
    )


def test_error_class_too_small_for_three_splits():
    with pytest.raises(DataError) as info:
        make_split(labels_for([5, 1]), ["dog", "cat"])
    assert str(info.value) == (
        "Class 'cat' has 1 image; every class needs at least 3 (train, validation, test); "
        "add images or remove the class."
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"val_fraction": 0.0},
        {"test_fraction": 1.2},
        {"val_fraction": 0.5, "test_fraction": 0.5},
        {"labels_per_class": 0},
    ],
)
def test_error_bad_arguments(kwargs):
    with pytest.raises(DataError) as info:
        make_split(labels_for([10, 10]), ["a", "b"], **kwargs)
    assert "\n" not in str(info.value)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=3, max_value=40), min_size=2, max_size=6),
    val=st.floats(min_value=0.05, max_value=0.45),
    test=st.floats(min_value=0.05, max_value=0.45),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_property_partition_and_every_class_everywhere(counts, val, test, seed):
    labels = labels_for(counts)
    split = make_split(labels, classes_for(counts), val_fraction=val, test_fraction=test, seed=seed)
    check_partition(split, labels, len(counts))
