"""synthetic:glyphs pixels: the fast generator draws exactly what a plain, slow drawing of the same glyphs draws.

The reference below measures every pixel against every piece of the pen path (no windows, no shortcuts) and
keeps the brightest ink, then warps, lowers the resolution and rounds as the generator's docstring describes.
The demo pretrains on these images, so a generator change that moves a single pixel must show here.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from transferkit.data.glyph_source import parse_glyph_options
from transferkit.data.glyphs import (
    SAMPLES_PER_SEGMENT,
    GlyphConfig,
    bezier,
    generate_glyphs,
    make_prototypes,
    sample_instances,
)


def reference_images(config: GlyphConfig, indices: np.ndarray) -> np.ndarray:
    """Images `indices` of `config`, drawn one at a time by brute force: uint8 (len(indices), size, size)."""
    proto_seed, instance_seed = np.random.SeedSequence(config.seed).spawn(2)
    if config.sample:
        instance_seed = np.random.SeedSequence(config.seed, spawn_key=(1, config.sample))
    protos, active = make_prototypes(config.classes, np.random.default_rng(proto_seed))
    protos = config.shift.prototypes(protos, active, config.seed)
    rng = np.random.default_rng(instance_seed)
    labels = np.repeat(np.arange(config.classes, dtype=np.int64), config.per_class)
    rng.shuffle(labels)
    inst = sample_instances(protos, active, labels, config.style, rng)
    drawn = config.shift.draw(rng, len(labels))
    size, style = config.size, config.style
    out = []
    for i in indices:
        pts = bezier(inst.ctrl[i], np.linspace(0, 1, SAMPLES_PER_SEGMENT))[inst.active[i]]  # (S, T, 2)
        path = torch.from_numpy(pts * size - 0.5).float()
        a, ab = path[:, :-1].reshape(-1, 2), (path[:, 1:] - path[:, :-1]).reshape(-1, 2)
        half = torch.tensor(inst.thickness[i] * size).float() + style.edge_px
        px = (torch.arange(size) - a[:, 0, None])[:, None, :]  # every pixel against every piece
        py = (torch.arange(size) - a[:, 1, None])[:, :, None]
        abx, aby = ab[:, 0, None, None], ab[:, 1, None, None]
        length2 = (abx**2 + aby**2).clamp_min(1e-12)
        along = px * abx + py * aby
        t = (along / length2).clamp(0.0, 1.0)
        dist2 = (px**2 + py**2) - t * (2 * along - t * length2)
        ink = ((half - dist2.clamp(min=0).sqrt()) / style.edge_px).clamp(0.0, 1.0).amax(0)
        img = (ink * torch.tensor(inst.intensity[i]).float()).view(1, 1, size, size)
        flow = torch.from_numpy(inst.flow[i : i + 1])
        dense = F.interpolate(flow, size=(size, size), mode="bicubic", align_corners=False).permute(0, 2, 3, 1)
        grid = F.affine_grid(torch.eye(2, 3).unsqueeze(0), [1, 1, size, size], align_corners=False)
        img = F.grid_sample(img, grid + dense, align_corners=False)
        k = int(inst.lowres[i])
        if k > 1:
            small = F.adaptive_avg_pool2d(img, (max(1, round(size / k)), max(1, round(size / k))))
            img = F.interpolate(small, size=(size, size), mode="bilinear", align_corners=False)
        img = config.shift.apply(img, None if drawn is None else drawn[i : i + 1])
        out.append(img[0, 0].mul(255.0).round().clamp(0, 255).to(torch.uint8).numpy())
    return np.stack(out)


def sha256(images: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(images).tobytes()).hexdigest()


def test_default_source_set_matches_the_plain_drawing():
    """The demo's source data (400 classes x 50): a spread of images, including the last chunk's."""
    config = GlyphConfig()
    images, _ = generate_glyphs(config)
    indices = np.r_[0:24, np.random.default_rng(0).choice(20_000, 40, replace=False), 19_990:20_000]
    assert sha256(images[indices]) == sha256(reference_images(config, indices))


@pytest.mark.parametrize(
    "options",
    [
        "classes=12&per_class=5&seed=3&size=48",
        "classes=12&per_class=5&size=9",
        "classes=12&per_class=5&sample=2",
        "classes=12&per_class=5&shift=noise&severity=5",
        "classes=12&per_class=5&shift=blur",
        "classes=12&per_class=5&shift=contrast",
        "classes=12&per_class=5&shift=subpopulation",
    ],
)
def test_options_and_shifts_match_the_plain_drawing(options):
    config = parse_glyph_options(options)
    images, _ = generate_glyphs(config)
    assert sha256(images) == sha256(reference_images(config, np.arange(len(images))))


def test_same_images_with_one_or_two_threads_and_threads_restored():
    config = GlyphConfig(classes=30, per_class=40, seed=5)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one, _ = generate_glyphs(config)
        assert torch.get_num_threads() == 1
        torch.set_num_threads(2)
        two, _ = generate_glyphs(config)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert sha256(one) == sha256(two)
