"""Python's and NumPy's global generators seeded from torch's for a block, then put back.

timm's RandAugment, RandomErasing and Mixup draw from `random` and `numpy.random`; inside this block their draws
follow torch's generator, which every epoch seeds (and every DataLoader worker), so runs repeat and epochs replay.
"""

from __future__ import annotations

import random
from contextlib import contextmanager

import numpy as np
import torch


@contextmanager
def draws_from_torch():
    """Seed `random` and `numpy.random` from one draw of torch's generator; restore both on leaving."""
    seed = int(torch.randint(2**31 - 1, ()))
    python, numpy = random.getstate(), np.random.get_state()
    random.seed(seed)
    np.random.seed(seed)
    try:
        yield
    finally:
        random.setstate(python)
        np.random.set_state(numpy)
