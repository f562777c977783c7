"""The glyphs' warp field: the matrix-product upsampling gives torch's bicubic kernel's numbers, bit for bit."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from transferkit.data.glyph_warp import dense_flow


@pytest.mark.parametrize("n, size", [(1, 32), (1000, 32), (37, 16), (5, 64), (6, 28), (3, 9)])
def test_dense_flow_is_the_bicubic_kernel_bit_for_bit(n, size):
    flow = torch.randn(n, 2, 4, 4, generator=torch.Generator().manual_seed(n)) * 0.04
    kernel = F.interpolate(flow.view(-1, 1, 4, 4), size=(size, size), mode="bicubic", align_corners=False)
    assert torch.equal(dense_flow(flow, size, size), kernel.view(n, 2, size, size).permute(0, 2, 3, 1))


def test_no_images_give_an_empty_field():
    assert dense_flow(torch.zeros(0, 2, 4, 4), 32, 32).shape == (0, 32, 32, 2)
