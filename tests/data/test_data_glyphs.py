"""synthetic:glyphs: deterministic generation, defaults, options, and the batched read path."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from transferkit.data import Preprocessing, open_source
from transferkit.data.glyphs import GlyphConfig, generate_glyphs, make_prototypes, render, sample_instances
from transferkit.errors import DataError


def test_default_set_shape_classes_and_counts():
    src = open_source("synthetic:glyphs", progress=False)
    assert src.images.shape == (20_000, 32, 32) and src.images.dtype == np.uint8
    assert len(src) >= 20_000
    assert src.classes[0] == "glyph000" and src.classes[-1] == "glyph399" and len(src.classes) == 400
    assert np.bincount(src.labels).tolist() == [50] * 400
    assert src.item_ids()[:2] == ["glyphs:0", "glyphs:1"]
    assert src.images.max() == 255 and src.images.min() == 0
    ink = (src.images > 0).mean()
    assert 0.05 < ink < 0.6  # strokes, not blank or saturated frames


def test_same_seed_bit_identical_other_seed_differs():
    a_x, a_y = generate_glyphs(GlyphConfig(classes=6, per_class=5, seed=7))
    b_x, b_y = generate_glyphs(GlyphConfig(classes=6, per_class=5, seed=7))
    c_x, _ = generate_glyphs(GlyphConfig(classes=6, per_class=5, seed=8))
    assert np.array_equal(a_x, b_x) and np.array_equal(a_y, b_y)
    assert not np.array_equal(a_x, c_x)


def test_rendering_does_not_depend_on_chunking():
    rng = np.random.default_rng(0)
    protos, active = make_prototypes(4, rng)
    labels = np.repeat(np.arange(4), 5)
    style = GlyphConfig().style
    inst = sample_instances(protos, active, labels, style, rng)
    whole = render(inst[0:20], 32, style)
    pieces = torch.cat([render(inst[i : i + 3], 32, style) for i in range(0, 20, 3)])
    assert torch.equal(whole, pieces)


def test_prototypes_depend_only_on_seed_and_class_index():
    small, _ = make_prototypes(3, np.random.default_rng(1))
    large, _ = make_prototypes(8, np.random.default_rng(1))
    assert np.array_equal(small, large[:3])
    pts = large.reshape(-1, 2)
    assert pts.min() > -0.5 and pts.max() < 1.5


def test_classes_are_distinguishable():
    x, y = generate_glyphs(GlyphConfig(classes=5, per_class=40, seed=0))
    means = np.stack([x[y == c].astype(float).mean(0) for c in range(5)])
    within = np.mean([np.abs(x[y == c].astype(float) - means[c]).mean() for c in range(5)])
    between = np.mean([np.abs(means[i] - means[j]).mean() for i in range(5) for j in range(i + 1, 5)])
    assert between > 0.2 * within  # class prototypes differ, not only instance noise


def test_options_and_read_path():
    src = open_source("synthetic:glyphs?classes=3&per_class=4&size=16&seed=2", progress=False)
    assert src.images.shape == (12, 16, 16) and src.classes == ["glyph000", "glyph001", "glyph002"]
    x = src.read([0, 5, 11], Preprocessing(input_size=(3, 32, 32)))
    assert x.shape == (3, 3, 32, 32) and x.dtype == torch.uint8
    assert torch.equal(x[:, 0], x[:, 2])  # gray expanded to 3 channels
    same = src.read([5], Preprocessing(input_size=(3, 16, 16)))
    assert np.array_equal(same[0, 0].numpy(), src.images[5])


def test_fingerprint_covers_config():
    a = open_source("synthetic:glyphs?classes=3&per_class=4&seed=2", progress=False)
    b = open_source("synthetic:glyphs?per_class=4&classes=3&seed=2", progress=False)
    c = open_source("synthetic:glyphs?classes=3&per_class=4&seed=3", progress=False)
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


@pytest.mark.parametrize(
    "spec, words",
    [
        ("synthetic:glyphs?colour=red", ["Unknown option 'colour'", "classes", "per_class", "size", "seed"]),
        ("synthetic:glyphs?classes=abc", ["'classes'", "whole number", "'abc'"]),
        ("synthetic:glyphs?classes=1", ["from 2"]),
        ("synthetic:glyphs?size=-4", ["'size'"]),
        ("synthetic:glyphs?seed", ["'seed'"]),
        ("synthetic:glyphs?seed=1&seed=2", ["twice"]),
        ("synthetic:glyphs?classes=10000&per_class=100000", ["memory"]),
        ("synthetic:shapes", ["Unknown synthetic data set 'shapes'", "synthetic:glyphs"]),
    ],
)
def test_option_errors(spec, words):
    with pytest.raises(DataError) as info:
        open_source(spec, progress=False)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
