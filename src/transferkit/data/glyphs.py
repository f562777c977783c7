"""The generator behind `synthetic:glyphs`: handwriting-like glyph classes, the built-in source data set.

Each class has a prototype: a smooth pen path of 2 to 4 cubic Bezier segments (joined with matching
tangents), sometimes with a second short stroke, scaled to fill the frame like a written character.
Each image draws its class prototype with control-point jitter, a random affine (rotation, scale, shear,
shift), a random stroke thickness and ink intensity, a smooth elastic warp and, for most images, a
block-averaged lower resolution. Ink falls off with the distance to the pen path (a polyline through
points sampled on each segment) and is bright on a black background, like MNIST and sklearn's digits.

Determinism: every random number comes from numpy generators seeded by `GlyphConfig.seed`, and all
per-image random numbers are drawn before any drawing starts, so the drawing itself is pure and the output does
not depend on how the work is chunked or on how many threads draw it. Class prototypes depend only on the seed
(class c is the same whatever `classes`, `per_class`, `size` or `style` are), so a later shifted variant drawn with
another `GlyphStyle` keeps the same classes.

Shifted variants (`GlyphConfig.shift`, see glyph_shifts.py) plug in at three points: class-specific variants
of the prototypes (feature level), a post-processing step before `_finish` whose random numbers are drawn after
all others (input level), and new labels (output level). `GlyphConfig.sample` picks another sample of the same
classes: its per-image numbers come from another instance stream of the same seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from ..console import track
from .glyph_shifts import GlyphShift
from .glyph_strokes import draw_strokes
from .glyph_warp import warp

GENERATOR_VERSION = 1  # bump when the pixels for a given config change
MAX_SEGMENTS = 5  # a pen path of up to 4 segments plus one optional separate stroke
SAMPLES_PER_SEGMENT = 20  # points sampled along each cubic segment; the pen path joins them
_CHUNK_IMAGES = 1000  # images per drawing chunk, at most
_CHUNK_PIXELS = 1000 * 32 * 32  # pixels per drawing chunk, at most


@dataclass(frozen=True)
class GlyphStyle:
    """How images vary around their class prototype. Lengths are fractions of the image side."""

    jitter: float = 0.04  # std of the noise added to every control point
    rotation: float = 0.25  # radians, uniform in [-rotation, rotation]
    scale_x: tuple[float, float] = (0.7, 1.2)
    scale_y: tuple[float, float] = (0.85, 1.3)
    shear: float = 0.3  # uniform in [-shear, shear]
    shift: float = 0.06  # uniform in [-shift, shift] on each axis
    thickness: tuple[float, float] = (0.015, 0.06)  # stroke half-width before the soft edge
    edge_px: float = 1.5  # width of the soft stroke edge, in pixels
    intensity: tuple[float, float] = (0.6, 1.0)  # peak ink value
    elastic: float = 0.04  # std of the 4x4 warp field, in grid units ([-1, 1] spans the image)
    lowres_factors: tuple[int, ...] = (1, 2, 4)  # block sizes for block-averaged lower resolution
    lowres_probs: tuple[float, ...] = (0.3, 0.3, 0.4)


@dataclass(frozen=True)
class GlyphConfig:
    """What to generate: `classes` x `per_class` images of `size` x `size` pixels from `seed`.

    `sample` 0 is the set the seed has always given; another `sample` draws other images of the same classes.
    `shift` is a controlled distribution shift (none by default).
    """

    classes: int = 400
    per_class: int = 50
    size: int = 32
    seed: int = 0
    style: GlyphStyle = field(default_factory=GlyphStyle)
    sample: int = 0
    shift: GlyphShift = field(default_factory=GlyphShift)

    def to_dict(self) -> dict:
        """Plain dict of every number that determines the images (for fingerprints and records).

        `sample` and `shift` appear only when they are not the defaults, so unshifted sets keep their fingerprints.
        """
        out = {"generator": "glyphs", "version": GENERATOR_VERSION, **asdict(self)}
        out.pop("sample"), out.pop("shift")
        if self.sample:
            out["sample"] = self.sample
        if self.shift.kind != "none":
            out["shift"] = self.shift.to_dict()
        return out

    @property
    def num_labels(self) -> int:
        """Number of classes of the labels (the glyph classes, or the groups of an output-level shift)."""
        return self.shift.groups if self.shift.kind == "regroup" else self.classes


@dataclass
class Instances:
    """Every random number of a set of images, drawn up front so drawing is pure and chunkable."""

    ctrl: np.ndarray  # (n, MAX_SEGMENTS, 4, 2) control points (x, y) in the unit frame, before `affine` if given
    active: np.ndarray  # (n, MAX_SEGMENTS) bool: which segments are drawn
    thickness: np.ndarray  # (n,)
    intensity: np.ndarray  # (n,)
    flow: np.ndarray  # (n, 2, 4, 4) float32 coarse elastic warp field
    lowres: np.ndarray  # (n,) int block size (1 = full resolution)
    affine: np.ndarray | None = None  # (n, 2, 2) about the frame centre, then `offset` (n, 2); None: ctrl is placed
    offset: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.thickness)

    def __getitem__(self, s: slice) -> Instances:
        placing = (None, None) if self.affine is None else (self.affine[s], self.offset[s])
        return Instances(
            self.ctrl[s], self.active[s], self.thickness[s], self.intensity[s], self.flow[s], self.lowres[s], *placing
        )

    def segments(self, image: np.ndarray, segment: np.ndarray) -> np.ndarray:
        """Placed control points (M, 4, 2) of the given segments: the affine is applied here, when a chunk is drawn
        (in parallel), and only to drawn segments; each number is the one the whole array would give."""
        ctrl = self.ctrl[image, segment]
        if self.affine is None:
            return ctrl
        a, centred = self.affine[image][:, None], ctrl - 0.5  # (M, 1, 2, 2), (M, 4, 2)
        turned = [a[..., i, 0] * centred[..., 0] + a[..., i, 1] * centred[..., 1] for i in (0, 1)]  # affine @ point
        return np.stack(turned, -1) + 0.5 + self.offset[image][:, None, :]


def generate_glyphs(config: GlyphConfig, *, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 (N, size, size) and labels int64 (N,), N = classes * per_class, in shuffled order.

    Labels are glyph class ids, or group ids under an output-level shift (`config.num_labels` of them).
    Chunks of images are drawn in parallel, one per torch thread (see drawing_pool).
    """
    proto_seed, instance_seed = np.random.SeedSequence(config.seed).spawn(2)
    if config.sample:
        instance_seed = np.random.SeedSequence(config.seed, spawn_key=(1, config.sample))
    shift = config.shift
    protos, active = make_prototypes(config.classes, np.random.default_rng(proto_seed))
    protos = shift.prototypes(protos, active, config.seed)
    rng = np.random.default_rng(instance_seed)
    labels = np.repeat(np.arange(config.classes, dtype=np.int64), config.per_class)
    rng.shuffle(labels)
    instances = sample_instances(protos, active, labels, config.style, rng)
    drawn = shift.draw(rng, len(labels))
    images = np.empty((len(labels), config.size, config.size), dtype=np.uint8)
    chunk = _chunk_size(config)

    def draw(start: int) -> None:
        part = instances[start : start + chunk]
        with torch.no_grad():  # grad mode is per thread
            img = render(part, config.size, config.style)
            img = shift.apply(img, None if drawn is None else drawn[start : start + len(part)])
            images[start : start + len(part)] = _finish(img).numpy()

    starts = range(0, len(labels), chunk)
    with drawing_pool() as pool:
        done = pool.map(draw, starts)
        for _ in track(done, len(starts), f"Generating {len(labels)} glyph images", progress):
            pass
    groups = shift.group_of_class(config.classes, config.seed)
    return images, (labels if groups is None else groups[labels])


def bezier(ctrl: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points on cubic Bezier curves: ctrl (..., 4, 2), t (T,) -> (..., T, 2)."""
    t = t[:, None]
    a, b, c, d = (ctrl[..., i, None, :] for i in range(4))
    return (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t**2 * c + t**3 * d


def make_prototypes(n_classes: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class prototypes: control points (C, MAX_SEGMENTS, 4, 2) in the unit frame and the active mask."""
    protos = np.zeros((n_classes, MAX_SEGMENTS, 4, 2))
    active = np.zeros((n_classes, MAX_SEGMENTS), dtype=bool)
    for c in range(n_classes):
        n_seg = int(rng.integers(2, 5))
        p, v = rng.uniform(0.2, 0.8, 2), rng.normal(0, 0.25, 2)  # pen position and tangent
        for s in range(n_seg):
            q = np.minimum(np.maximum(p + rng.normal(0, 0.3, 2), 0.1), 0.9)  # np.clip's numbers, with less overhead
            w = rng.normal(0, 0.25, 2)
            protos[c, s] = [p, p + v, q - w, q]
            active[c, s] = True
            p, v = q, w  # the next segment leaves with the same tangent: a smooth (C1) join
        if rng.random() < 0.35:  # a separate, nearly straight second stroke
            a, b = rng.uniform(0.15, 0.85, (2, 2))
            third, two_thirds = a + (b - a) / 3 + rng.normal(0, 0.05, 2), a + 2 * (b - a) / 3 + rng.normal(0, 0.05, 2)
            protos[c, n_seg] = [a, third, two_thirds, b]
            active[c, n_seg] = True
    # Fill the frame like a written character: height 0.75, width at most 0.675, centred.
    pts = bezier(protos, np.linspace(0, 1, 20))  # (C, S, 20, 2)
    drawn = active[:, :, None, None]
    lo = np.where(drawn, pts, np.inf).min(axis=(1, 2))  # (C, 2)
    hi = np.where(drawn, pts, -np.inf).max(axis=(1, 2))
    scale = 0.75 / np.maximum(np.maximum(hi[:, 1] - lo[:, 1], (hi[:, 0] - lo[:, 0]) / 0.9), 1e-3)
    centre = (lo + hi) / 2
    protos = np.where(drawn, (protos - centre[:, None, None]) * scale[:, None, None, None] + 0.5, 0.0)
    return protos, active


def sample_instances(
    protos: np.ndarray, active: np.ndarray, labels: np.ndarray, style: GlyphStyle, rng: np.random.Generator
) -> Instances:
    """Draw every per-image random number: jittered control points, their affine transform and the rest."""
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
    affine = rotate @ scale_shear  # applied to the control points when they are drawn (Instances.segments)
    thickness = rng.uniform(*style.thickness, n)
    intensity = rng.uniform(*style.intensity, n)
    flow = (rng.standard_normal((n, 2, 4, 4)) * style.elastic).astype(np.float32)
    lowres = rng.choice(np.asarray(style.lowres_factors), n, p=np.asarray(style.lowres_probs))
    return Instances(ctrl, active[labels], thickness, intensity, flow, lowres, affine, shift)


def render(inst: Instances, size: int, style: GlyphStyle) -> torch.Tensor:
    """Draw instances as float images (n, 1, size, size) in [0, 1]: strokes, elastic warp, low resolution."""
    image, segment = np.nonzero(inst.active)  # the drawn segments
    paths = bezier(inst.segments(image, segment), np.linspace(0, 1, SAMPLES_PER_SEGMENT))  # (M, T, 2)
    img = draw_strokes(paths, image, inst.thickness, size, style.edge_px)
    img = img.mul_(torch.from_numpy(inst.intensity).float().view(-1, 1, 1, 1))
    img = warp(img, torch.from_numpy(inst.flow))
    return _lower_resolution(img, inst.lowres)


def _lower_resolution(img: torch.Tensor, factors: np.ndarray) -> torch.Tensor:
    """Block-average images with factor k > 1 down to size/k and scale them back up bilinearly."""
    h, w = img.shape[-2:]
    for k in np.unique(factors):
        if k <= 1:
            continue
        sel = torch.from_numpy(factors == k)
        small = F.adaptive_avg_pool2d(img[sel], (max(1, round(h / k)), max(1, round(w / k))))
        img[sel] = F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)
    return img


def _finish(img: torch.Tensor) -> torch.Tensor:
    """Float images (n, 1, H, W) in [0, 1] -> uint8 (n, H, W)."""
    return img[:, 0].mul(255.0).round_().clamp_(0, 255).to(torch.uint8)


def _chunk_size(config: GlyphConfig) -> int:
    """Images per drawing chunk: large enough that each tensor operation has work, small enough that the
    parallel workers get several chunks each (pure speed/memory trade-off: the images do not depend on it)."""
    return max(1, min(_CHUNK_IMAGES, _CHUNK_PIXELS // config.size**2))


@contextmanager
def drawing_pool() -> Iterator[ThreadPoolExecutor]:
    """Threads that draw chunks side by side, one per torch thread, while each torch operation runs on one thread.

    Chunks are independent, so this parallelism needs no synchronisation; operations split over threads wait
    for the slowest thread at every step, which on a busy machine costs more than the drawing itself.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            yield pool
    finally:
        torch.set_num_threads(threads)
