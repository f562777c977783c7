"""What a network costs to use once trained: milliseconds per image on the run's device at the run's input size and
batch size, and its parameters with the target's head (what a deployment carries)."""

from __future__ import annotations

import contextlib
import statistics
import time
from typing import Any

import torch

from ..engine import torch_device

SECONDS = 0.5  # timed forward passes stop after this long (and at least MIN_BATCHES)
MIN_BATCHES, MAX_BATCHES = 3, 200


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def inference_cost(backbone: Any, classes: int, batch_size: int, device: str = "auto",
                   precision: str = "no") -> dict[str, Any]:
    """The median time of forward passes of a copy of `backbone` with a `classes`-way head over batches of
    `batch_size` random images of its input size, in eval mode without gradients, after one warm-up batch (the
    median: a busy machine slows some batches); the global random state is left as it was. `precision` fp16/bf16
    runs them under autocast on CUDA, as training does."""
    target = torch_device(device)
    with torch.random.fork_rng(devices=[]):
        network = backbone.clone()
        network.replace_head(classes)
        images = torch.randn(batch_size, *network.preprocessing.input_size)
    model = network.model.to(target).eval()
    params = sum(p.numel() for p in model.parameters())
    images = images.to(target)
    autocast = (torch.autocast("cuda", dtype=torch.float16 if precision == "fp16" else torch.bfloat16)
                if target.type == "cuda" and precision in ("fp16", "bf16") else contextlib.nullcontext())
    times: list[float] = []
    with torch.inference_mode(), autocast:
        model(images)
        _sync(target)
        started = time.perf_counter()
        while len(times) < MIN_BATCHES or (time.perf_counter() - started < SECONDS and len(times) < MAX_BATCHES):
            begun = time.perf_counter()
            model(images)
            _sync(target)
            times.append(time.perf_counter() - begun)
    return {
        "ms_per_image": 1000 * statistics.median(times) / batch_size,
        "params": int(params),
        "batch_size": batch_size,
        "input_size": list(network.preprocessing.input_size),
        "device": str(target),
        "precision": precision if target.type == "cuda" else "no",
        "threads": torch.get_num_threads() if target.type == "cpu" else None,
        "batches_timed": len(times),
        "method": "median time of eval-mode forward passes without gradients over batches of random images, after "
                  "one warm-up batch",
    }
