"""Multi-kernel MMD between source and target features, as in DAN (Long et al., ICML 2015).

The kernel is a sum of Gaussian kernels whose bandwidths are the batch's mean squared pairwise distance times
2^-2 ... 2^2 (DAN's family of kernels). DAN also learns the kernel weights (a quadratic program per step); here they
are fixed and equal, as in the common implementations. The estimate is the unbiased quadratic-time one (U-statistic).
"""

from __future__ import annotations

import torch

from .alignment import AlignmentLoss, register_alignment


class MultiKernelMMD(AlignmentLoss):
    """Squared MMD^2_u with a sum of `kernels` Gaussian kernels spread by `spread` around the mean distance."""

    def __init__(self, features: int = 0, kernels: int = 5, spread: float = 2.0):
        super().__init__()
        self.exponents = [k - (kernels - 1) / 2 for k in range(kernels)]
        self.spread = spread

    def forward(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        ns, nt = source.shape[0], target.shape[0]
        x = torch.cat([source, target]).float()
        d2 = torch.cdist(x, x).pow(2)
        n = ns + nt
        bandwidth = d2.sum().detach() / max(n * n - n, 1)  # mean squared distance off the diagonal
        kernel = sum(torch.exp(-d2 / (bandwidth.clamp_min(1e-12) * self.spread**e)) for e in self.exponents)
        k_ss, k_tt, k_st = kernel[:ns, :ns], kernel[ns:, ns:], kernel[:ns, ns:]
        within_s = (k_ss.sum() - k_ss.diagonal().sum()) / max(ns * (ns - 1), 1)
        within_t = (k_tt.sum() - k_tt.diagonal().sum()) / max(nt * (nt - 1), 1)
        return within_s + within_t - 2.0 * k_st.mean()


register_alignment("mmd", MultiKernelMMD, term="multi-kernel MMD")
