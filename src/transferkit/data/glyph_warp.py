"""The elastic warp of `synthetic:glyphs`: a coarse flow field upsampled bicubically, then grid sampling.

The upsampling gives the numbers of torch's `F.interpolate(mode="bicubic", align_corners=False)` on CPU, bit for
bit, about seven times sooner, as two small matrix products. That kernel computes every output value as a chain of
fused multiply-adds over its 4 taps (tap 1 first, then taps 0, 2 and 3), along the width and then along the height.
A matrix product whose inner dimension lists the taps in that order, one (tap, source index) pair per position, with
zero weight where a tap does not read that source, performs the same chain: a zero product leaves a sum unchanged.
The weights match the kernel's exactly where the scale is a power of two (a 4 x 4 field to 16, 32 or 64 pixels).
A probe of random fields per shape, and every call's first and last images, are compared with the kernel; any
difference (another size, BLAS or CPU) switches that shape back to the kernel for the rest of the process.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F

_TAP_ORDER = (1, 0, 2, 3)  # the order in which torch's bicubic kernel sums the 4 taps
_exact: dict[tuple[int, ...], bool] = {}  # per (channels, fh, fw, h, w): whether the products give the kernel's numbers


def warp(img: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Warp images (n, 1, h, w) by their coarse flow fields (n, 2, fh, fw), upsampled bicubically."""
    n, _, h, w = img.shape
    grid = dense_flow(flow, h, w).add_(_identity_grid(h, w))
    return F.grid_sample(img, grid, align_corners=False)


def dense_flow(flow: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """The flow fields (n, c, fh, fw) upsampled to (n, h, w, c), as torch's bicubic kernel upsamples them."""
    key = (*flow.shape[1:], h, w)
    if key not in _exact:
        probe = torch.randn((64, *flow.shape[1:]), generator=torch.Generator().manual_seed(0))
        _exact[key] = torch.equal(_products(probe, h, w), _kernel(probe, h, w))
    if _exact[key] and len(flow):
        dense = _products(flow, h, w)
        ends = [0, len(flow) - 1]
        if torch.equal(dense[ends], _kernel(flow[ends], h, w)):
            return dense
        _exact[key] = False
    return _kernel(flow, h, w)


def _kernel(flow: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """torch's bicubic upsampling (one channel at a time, the same numbers as both together), as (n, h, w, c)."""
    n, c, fh, fw = flow.shape
    dense = F.interpolate(flow.reshape(-1, 1, fh, fw), size=(h, w), mode="bicubic", align_corners=False)
    return dense.view(n, c, h, w).permute(0, 2, 3, 1).contiguous()


def _products(flow: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """The bicubic upsampling as a product along the width, then one along the height, as (n, h, w, c)."""
    n, c, fh, fw = flow.shape
    taps = len(_TAP_ORDER)
    # along the width: rows (image, source row), inner (channel, tap, source column) -> (channel, column)
    rows = flow.permute(0, 2, 1, 3).unsqueeze(3).expand(n, fh, c, taps, fw).reshape(n * fh, c * taps * fw)
    across = rows @ _width_matrix(fw, w, c)  # (n * fh, w * c)
    # along the height: inner (tap, source row) -> output row, for every (column, channel)
    stacked = across.view(n, 1, fh, w * c).expand(n, taps, fh, w * c).reshape(n, taps * fh, w * c)
    return torch.matmul(_tap_matrix(fh, h), stacked).view(n, h, w, c)


@functools.cache
def _tap_matrix(n_in: int, n_out: int) -> torch.Tensor:
    """(n_out, taps * n_in): at [o, k * n_in + s] the weight of tap `_TAP_ORDER[k]` of output o if it reads source
    s (indices clamped to the edge), else 0. Weights as torch computes them (cubic convolution, A = -0.75)."""
    scale = np.float32(n_in / n_out)
    src = (np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    first = np.floor(src)
    t = (src - first).astype(np.float32)
    a = np.float32(-0.75)
    near = lambda x: ((a + 2) * x - (a + 3)) * x * x + 1  # noqa: E731  |x| <= 1
    far = lambda x: ((a * x - 5 * a) * x + 8 * a) * x - 4 * a  # noqa: E731  1 < |x| < 2
    weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    matrix = np.zeros((n_out, len(_TAP_ORDER) * n_in), dtype=np.float32)
    outputs = np.arange(n_out)
    for slot, tap in enumerate(_TAP_ORDER):
        source = np.clip(first.astype(np.int64) + tap - 1, 0, n_in - 1)
        matrix[outputs, slot * n_in + source] = weights[tap]
    return torch.from_numpy(matrix)


@functools.cache
def _width_matrix(n_in: int, n_out: int, channels: int) -> torch.Tensor:
    """(channels * taps * n_in, n_out * channels): the tap matrix (transposed) from each channel's source columns
    to its own output columns, 0 between channels."""
    matrix = _tap_matrix(n_in, n_out).t()
    rows, cols = matrix.shape
    out = torch.zeros(channels, rows, cols, channels)
    for ch in range(channels):
        out[ch, :, :, ch] = matrix
    return out.reshape(channels * rows, cols * channels)


@functools.cache
def _identity_grid(h: int, w: int) -> torch.Tensor:
    """The sampling grid (1, h, w, 2) that leaves an image as it is (the same for every image)."""
    return F.affine_grid(torch.eye(2, 3).unsqueeze(0), [1, 1, h, w], align_corners=False)
