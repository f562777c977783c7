"""Shared fixtures: a tiny source model that transferkit pretrains itself (no hub), and quiet progress bars."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TRANSFERKIT_PROGRESS", "0")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # One thread per test process (and the processes it starts): workers that each spin one thread per core slow
    # one another down many times over.
    os.environ.setdefault("OMP_NUM_THREADS", "1")

from support.tiny import TINY_ARCH, TINY_SOURCE, TINY_TARGET  # noqa: E402 - after the environment settings


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A 4-stage ResNet pretrained for one epoch on a small glyph set, saved as a model directory."""
    from transferkit import pretrain

    out = tmp_path_factory.mktemp("source") / "tiny-model"
    return pretrain(TINY_SOURCE, TINY_ARCH, out=out, epochs=1, input_size=16, batch_size=32, progress=False)


@pytest.fixture(scope="session")
def tiny_digits(tiny_model_dir):
    """The bundled digits, 5 labels per class, prepared for the tiny model."""
    from transferkit.api import load_model, load_target

    backbone = load_model(str(tiny_model_dir))
    return load_target("digits", backbone.preprocessing, labels_per_class=5, seed=0, progress=False)


@pytest.fixture(scope="session")
def tiny_comparison(tiny_model_dir, tmp_path_factory):
    """A written comparison on a small glyph target (6 classes; 4 labels per class, 10 to validate, 10 to test):
    2 plans x 2 learning-rate factors x 2 seeds, 2 epochs each."""
    from transferkit import compare

    out = tmp_path_factory.mktemp("compare") / "cmp"
    return compare(str(tiny_model_dir), TINY_TARGET, "linear-probe,partial:k=1", out=out, seeds=2, epochs=2,
                   lr_factors=(1, 3), labels_per_class=4, progress=False)


@pytest.fixture(scope="session")
def small_digits(tiny_digits):
    """`tiny_digits` with validation and test cut to their first 100 images (faster evaluation)."""
    import dataclasses

    def head(part):
        return dataclasses.replace(part, images=part.images[:100], labels=part.labels[:100])

    return dataclasses.replace(tiny_digits, val=head(tiny_digits.val), test=head(tiny_digits.test))
