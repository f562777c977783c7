"""Training state split into tensors and JSON (nothing pickled): random generators, optimizer, schedule."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

TensorsAndMeta = tuple[dict[str, torch.Tensor], dict[str, Any]]


def rng_state() -> TensorsAndMeta:
    """The states of Python's, NumPy's and torch's (CPU and initialised CUDA) global generators."""
    tensors = {"rng.torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        for i, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{i}"] = state
    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    meta = {
        "python": {"version": version, "state": list(internal), "gauss": gauss},
        "numpy": {"kind": kind, "keys": keys.tolist(), "pos": int(pos), "has_gauss": int(has_gauss),
                  "cached_gaussian": float(cached)},
    }
    return tensors, meta


def restore_rng(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    """Set the global generators back to a state from `rng_state()`."""
    torch.set_rng_state(tensors["rng.torch"])
    cuda = [tensors[k] for k in sorted(k for k in tensors if k.startswith("rng.cuda."))]
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)
    py = meta["python"]
    random.setstate((py["version"], tuple(py["state"]), py["gauss"]))
    npy = meta["numpy"]
    keys = np.asarray(npy["keys"], dtype=np.uint32)
    np.random.set_state((npy["kind"], keys, npy["pos"], npy["has_gauss"], npy["cached_gaussian"]))


def optimizer_state(optimizer, prefix: str = "optimizer") -> TensorsAndMeta:
    """`optimizer.state_dict()` as tensors named PREFIX.PARAM_ID.KEY plus JSON for everything else."""
    full = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    plain: dict[str, dict[str, Any]] = {}
    for param_id, values in full["state"].items():
        plain[str(param_id)] = {}
        for key, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{prefix}.{param_id}.{key}"] = value.detach().cpu().contiguous()
            else:
                plain[str(param_id)][key] = value
    return tensors, {"param_groups": full["param_groups"], "state": plain}


def load_optimizer_state(optimizer, tensors: dict[str, torch.Tensor], meta: dict[str, Any],
                         prefix: str = "optimizer") -> None:
    """Inverse of `optimizer_state`: rebuild the state dict and load it (tensors move to the parameters' device)."""
    state: dict[int, dict[str, Any]] = {int(pid): dict(values) for pid, values in meta["state"].items()}
    for name, tensor in tensors.items():
        head, _, rest = name.partition(".")
        if head != prefix:
            continue
        param_id, _, key = rest.partition(".")
        state.setdefault(int(param_id), {})[key] = tensor
    groups = [{k: tuple(v) if k == "betas" else v for k, v in g.items()} for g in meta["param_groups"]]
    optimizer.load_state_dict({"state": state, "param_groups": groups})
