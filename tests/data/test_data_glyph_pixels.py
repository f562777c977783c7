"""synthetic:glyphs pixels: the fast generator draws exactly what a plain, slow drawing of the same glyphs draws.

The reference below draws the classes and the per-image numbers one plain step at a time, measures every pixel
against every piece of the pen path (no windows, no shortcuts), keeps the brightest ink, then warps, lowers the
resolution and rounds as the generator's docstring describes.
The demo pretrains on these images, so a generator change that moves a single pixel must show here.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from transferkit.data.glyph_source import parse_glyph_options
from transferkit.data.glyphs import MAX_SEGMENTS, SAMPLES_PER_SEGMENT, GlyphConfig, Instances, bezier, generate_glyphs


def reference_prototypes(n_classes: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class prototypes drawn and fitted to the frame one class at a time."""
    protos = np.zeros((n_classes, MAX_SEGMENTS, 4, 2))
    active = np.zeros((n_classes, MAX_SEGMENTS), dtype=bool)
    for c in range(n_classes):
        n_seg = int(rng.integers(2, 5))
        p, v = rng.uniform(0.2, 0.8, 2), rng.normal(0, 0.25, 2)
        for s in range(n_seg):
            q = np.clip(p + rng.normal(0, 0.3, 2), 0.1, 0.9)
            w = rng.normal(0, 0.25, 2)
            protos[c, s] = [p, p + v, q - w, q]
            active[c, s] = True
            p, v = q, w
        if rng.random() < 0.35:
            a, b = rng.uniform(0.15, 0.85, (2, 2))
            third, two_thirds = a + (b - a) / 3 + rng.normal(0, 0.05, 2), a + 2 * (b - a) / 3 + rng.normal(0, 0.05, 2)
            protos[c, n_seg] = [a, third, two_thirds, b]
            active[c, n_seg] = True
        pts = bezier(protos[c][active[c]], np.linspace(0, 1, 20)).reshape(-1, 2)
        lo, hi = pts.min(0), pts.max(0)
        scale = 0.75 / max(hi[1] - lo[1], (hi[0] - lo[0]) / 0.9, 1e-3)
        protos[c][active[c]] = (protos[c][active[c]] - (lo + hi) / 2) * scale + 0.5
    return protos, active


def reference_instances(protos, active, labels, style, rng):
    """Every per-image random number, in the generator's order; control points through one affine per image."""
    n = len(labels)
    ctrl = protos[labels] + rng.normal(0, style.jitter, (n, *protos.shape[1:]))
    theta = rng.uniform(-style.rotation, style.rotation, n)
    sx, sy = rng.uniform(*style.scale_x, n), rng.uniform(*style.scale_y, n)
    shear = rng.uniform(-style.shear, style.shear, n)
    shift = rng.uniform(-style.shift, style.shift, (n, 2))
    cos, sin = np.cos(theta), np.sin(theta)
    rotate = np.stack([np.stack([cos, -sin], 1), np.stack([sin, cos], 1)], 1)
    scale_shear = np.zeros((n, 2, 2))
    scale_shear[:, 0, 0], scale_shear[:, 0, 1], scale_shear[:, 1, 1] = sx, shear * sx, sy
    ctrl = np.einsum("nij,nskj->nski", rotate @ scale_shear, ctrl - 0.5) + 0.5 + shift[:, None, None, :]
    thickness = rng.uniform(*style.thickness, n)
    intensity = rng.uniform(*style.intensity, n)
    flow = (rng.standard_normal((n, 2, 4, 4)) * style.elastic).astype(np.float32)
    lowres = rng.choice(np.asarray(style.lowres_factors), n, p=np.asarray(style.lowres_probs))
    return Instances(ctrl, active[labels], thickness, intensity, flow, lowres)


def reference_images(config: GlyphConfig, indices: np.ndarray) -> np.ndarray:
    """Images `indices` of `config`, drawn one at a time by brute force: uint8 (len(indices), size, size)."""
    proto_seed, instance_seed = np.random.SeedSequence(config.seed).spawn(2)
    if config.sample:
        instance_seed = np.random.SeedSequence(config.seed, spawn_key=(1, config.sample))
    protos, active = reference_prototypes(config.classes, np.random.default_rng(proto_seed))
    protos = config.shift.prototypes(protos, active, config.seed)
    rng = np.random.default_rng(instance_seed)
    labels = np.repeat(np.arange(config.classes, dtype=np.int64), config.per_class)
    rng.shuffle(labels)
    inst = reference_instances(protos, active, labels, config.style, rng)
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
