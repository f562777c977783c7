"""Stroke drawing of `synthetic:glyphs`: ink that falls off with the distance to a pen path.

Hand-written because no chosen library draws anti-aliased thick polylines as tensors. At every pixel centre the
ink is clip((half - distance to the pen path) / edge, 0, 1), where the pen path is the polyline through the points
sampled on each segment and `half` is the image's stroke half-width plus the soft edge. Only pixels within `half`
of a polyline piece can get ink from it, so each piece is measured against a small window of pixels around it.

Speed without changing a single pixel:
- every piece gets the smallest window that holds all pixels it can ink (plus a small margin), moved inside the
  image where it overhangs, and pieces are grouped by window shape so that each group is one batch of tensor
  operations, pieces along the last axis;
- the ink falls monotonically with the distance, so the brightest ink of a pixel is the ink of its smallest
  squared distance: the pieces scatter only squared distances (a minimum, which is exact in any order), and the
  square root and the soft edge are computed once per pixel;
- the squared distance of a (piece, pixel) pair takes the same float32 operations as when every pixel is
  measured against every piece, so the images are the same bit for bit (tests/data/test_data_glyph_pixels.py).
"""

from __future__ import annotations

import numpy as np
import torch

_MARGIN = 0.01  # pixels; a window also holds the pixels this far beyond the reach of its piece
_RARE_SHAPE = 200  # a window shape held by fewer than 1 in this many pieces is rare


def draw_strokes(paths: np.ndarray, image: np.ndarray, thickness: np.ndarray, size: int,
                 edge_px: float) -> torch.Tensor:
    """Float images (n, 1, size, size) in [0, 1] of the pen paths `paths` (M, T, 2) in the unit frame.

    `image` (M,) is the image of each path; `thickness` (n,) is each image's stroke half-width before the soft
    edge (a fraction of the image side) and `edge_px` the width of the soft edge in pixels.
    """
    n = len(thickness)
    path = torch.from_numpy(paths * size - 0.5).float()  # (M, T, 2) in pixel-index units
    a, ab = path[:, :-1].reshape(-1, 2), (path[:, 1:] - path[:, :-1]).reshape(-1, 2)  # piece starts, vectors
    owner = torch.from_numpy(image).repeat_interleave(path.shape[1] - 1)  # image of each piece
    half = torch.from_numpy(thickness * size).float() + edge_px  # per image: ink reaches this far from the path
    dist2 = _nearest_squared_distance(a, ab, owner, half, (n, size))
    # Pixels out of reach (inf: torch's square root of inf is ten times slower) get a finite squared distance that
    # is still out of reach: their ink stays 0. Read straight from the padded canvas, without a copy first.
    far = float((half.max() + 1) ** 2) if n else 1.0
    root = torch.clamp(dist2, min=0, max=far).sqrt_()
    ink = torch.sub(half.view(-1, 1, 1), root, out=root).div_(edge_px).clamp_(0.0, 1.0)
    return ink.unsqueeze(1)


def _nearest_squared_distance(
    a: torch.Tensor, ab: torch.Tensor, owner: torch.Tensor, half: torch.Tensor, shape: tuple[int, int]
) -> torch.Tensor:
    """(n, size, size): per pixel, the smallest squared distance to a piece of its image's path (inf if none is
    within reach). Pieces start at `a` (Q, 2) with vectors `ab` (Q, 2); `owner` (Q,) is the image of each."""
    n, size = shape
    if not len(a):
        return torch.full((n, size, size), float("inf"))
    first, extent = _windows(a, ab, half[owner])
    # A window moved inside the image still holds every pixel of the image that it held (more pixels only add
    # true distances to the minimum), so the canvas needs padding only for windows wider than the image.
    first = torch.minimum(first.clamp(min=0), size - extent)
    pad = max(0, -int(first.min()), int((first + extent).max()) - size)
    side = size + 2 * pad  # a padded canvas: windows never leave it, so no pixel needs a bounds check
    key = extent[:, 1] * (side + 1) + extent[:, 0]
    order = torch.argsort(key, stable=True)  # pieces of one window shape side by side: slices, not gathers
    a, ab, first, owner = a[order], ab[order], first[order], owner[order]
    shapes, counts = torch.unique_consecutive(key[order], return_counts=True)
    corner = owner * side * side + (first[:, 1] + pad) * side + (first[:, 0] + pad)  # flat index of the window
    canvas = torch.full((n * side * side,), float("inf"))
    most = int((counts * _window_area(shapes, side)).max())
    buffers = torch.empty(3, most), torch.empty(most, dtype=torch.long)  # reused: fresh large tensors fault pages
    length2 = (ab[:, 0] ** 2 + ab[:, 1] ** 2).clamp_min(1e-12)  # |ab|^2
    stop = 0
    for shape_key, count in zip(shapes.tolist(), counts.tolist()):
        sel, stop = slice(stop, stop + count), stop + count
        win_y, win_x = divmod(shape_key, side + 1)
        cols = first[sel, 0] + torch.arange(win_x)[:, None]  # (win_x, q)
        rows = first[sel, 1] + torch.arange(win_y)[:, None]  # (win_y, q)
        px = (cols - a[sel, 0])[None, :, :]  # pixel centre minus piece start: (1, win_x, q)
        py = (rows - a[sel, 1])[:, None, :]  # (win_y, 1, q)
        dist2, flat = _piece_distances(px, py, ab[sel], length2[sel], buffers)
        offsets = torch.arange(win_y)[:, None] * side + torch.arange(win_x)
        flat = flat.view(-1, win_y, win_x)  # scattered window by window: nearby pixels one after another
        torch.add(corner[sel, None, None], offsets, out=flat)
        canvas.scatter_reduce_(0, flat.view(-1), dist2.permute(2, 0, 1).reshape(-1), reduce="amin")
    return canvas.view(n, side, side)[:, pad : pad + size, pad : pad + size]


def _windows(a: torch.Tensor, ab: torch.Tensor, reach: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The pixel window of every piece: its first pixel (Q, 2) and its width and height (Q, 2).

    A window holds the pixels strictly within `reach` of the piece's bounding box, with a margin far above float
    rounding. Windows of rare shapes are widened to one common shape, so that there are few shapes to batch.
    """
    first = torch.floor(torch.minimum(a, a + ab) - reach[:, None] - _MARGIN).long() + 1
    last = torch.ceil(torch.maximum(a, a + ab) + reach[:, None] + _MARGIN).long() - 1
    extent = last - first + 1
    shape = extent[:, 1] * (int(extent[:, 0].max()) + 1) + extent[:, 0]
    rare = torch.bincount(shape)[shape] * _RARE_SHAPE < len(a)
    if rare.any():
        extent[rare] = extent[rare].amax(0)
    return first, extent


def _piece_distances(
    px: torch.Tensor, py: torch.Tensor, ab: torch.Tensor, length2: torch.Tensor,
    buffers: tuple[torch.Tensor, torch.Tensor],
) -> tuple[torch.Tensor, torch.Tensor]:
    """|p - t ab|^2 (win_y, win_x, q) for pixel offsets px (1, win_x, q), py (win_y, 1, q) from the piece starts,
    piece vectors ab (q, 2) and their squared lengths (q,), as (px^2 + py^2) - t (2 (p.ab) - t |ab|^2) with t the
    clamped projection.

    Pieces are the last (contiguous) axis, so every operation runs over long vectors. The result and an index
    buffer of its size are views of `buffers`.
    Negations are exact, so (tmp - 2 along) = -(2 along - tmp) and adding its product with t is the subtraction.
    """
    shape = (py.shape[0], px.shape[1], px.shape[2])
    numel = shape[0] * shape[1] * shape[2]
    along, t, tmp = (buffer[:numel].view(shape) for buffer in buffers[0])
    torch.add(px * ab[:, 0], py * ab[:, 1], out=along)  # p.ab
    torch.div(along, length2, out=t).clamp_(0.0, 1.0)  # nearest point on the piece, as a fraction of it
    torch.mul(t, length2, out=tmp)
    torch.add(tmp, along, alpha=-2, out=tmp)  # -(2 p.ab - t |ab|^2)
    torch.mul(t, tmp, out=tmp)
    dist2 = torch.add(px**2, py**2, out=along).add_(tmp)
    return dist2, buffers[1][:numel]


def _window_area(shapes: torch.Tensor, side: int) -> torch.Tensor:
    """Pixels of the window shapes encoded as height * (side + 1) + width."""
    return torch.div(shapes, side + 1, rounding_mode="floor") * (shapes % (side + 1))
