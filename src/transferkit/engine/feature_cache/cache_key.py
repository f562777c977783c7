"""The feature-cache key: a hash of everything that decides the cached activations.

The frozen trunk's weights and buffers, the architecture, the boundary, the preprocessing, the augmentation
(with the seed that draws its views), the trunk's batch-norm policies, the data (fingerprints and pixels) and
the numerics (device, precision, library versions). Change any of them and the key changes.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from dataclasses import dataclass
from typing import Any

import torch

from ...data import StreamedImages

_PIXEL_DIGESTS: dict[int, tuple[weakref.ref, tuple, str]] = {}  # id -> (tensor, stamp, digest)


def tensor_digest(tensor: torch.Tensor) -> str:
    """sha256 of a tensor's dtype, shape and bytes."""
    t = tensor.detach().contiguous().cpu()
    h = hashlib.sha256(f"{t.dtype}:{tuple(t.shape)}".encode())
    if t.numel():
        h.update(t.reshape(-1).view(torch.uint8).numpy().data)
    return h.hexdigest()


def pixel_digest(images: torch.Tensor | StreamedImages) -> str:
    """`tensor_digest` of an image tensor, remembered while the tensor lives and is not modified in place; for
    streamed images, what determines their pixels (their files' sha256 are checked on every read)."""
    if isinstance(images, StreamedImages):
        return images.digest()
    stamp = (images._version, images.data_ptr(), tuple(images.shape))
    known = _PIXEL_DIGESTS.get(id(images))
    if known is not None and known[0]() is images and known[1] == stamp:
        return known[2]
    for key in [k for k, (ref, _, _) in _PIXEL_DIGESTS.items() if ref() is None]:
        del _PIXEL_DIGESTS[key]
    digest = tensor_digest(images)
    _PIXEL_DIGESTS[id(images)] = (weakref.ref(images), stamp, digest)
    return digest


def trunk_state(backbone, trunk_stages: set[str]) -> dict[str, torch.Tensor]:
    """Parameters and buffers of the trunk; buffers whose stage is unknown are included, to be safe."""
    params = {n for n, _ in backbone.model.named_parameters()}
    out = {}
    for name, tensor in backbone.model.state_dict().items():
        if name in params:
            keep = backbone.stage_of_param(name) in trunk_stages
        else:
            stage = backbone.stage_of_module(name.rpartition(".")[0])
            keep = stage is None or stage in trunk_stages
        if keep:
            out[name] = tensor
    return out


def data_identity(data, train_only: bool = False) -> dict[str, Any]:
    """Fingerprints and pixel digests of the splits the cache holds: all three, less the empty ones, or only the
    training split (`train_only`)."""
    splits = [s for s in ("train", "val", "test") if s == "train" or (not train_only and len(getattr(data, s)))]
    return {
        "source": data.fingerprint,
        "classes": list(data.classes),
        **{split: {"fingerprint": getattr(data, split).fingerprint, "pixels": pixel_digest(getattr(data, split).images)}
           for split in splits},
    }


def cache_key(parts: dict[str, Any]) -> str:
    """sha256 (hex, 32 characters) of JSON-able parts."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class CachedActivations:
    """Everything that decides the activations of a store: the trunk (`backbone`'s `trunk_stages` below `boundary`,
    with their batch-norm policies `bn_policy`), the training views (`augment`, how many `views`, and `view_seed`, the
    seed that draws them; None without augmentation), the `data`, and the `numerics` (device, precision, library
    versions). `train_only`: the key of a store of the training views alone (its validation and test splits empty),
    as `rank` writes one."""

    backbone: Any
    boundary: str
    trunk_stages: tuple[str, ...]
    bn_policy: dict[str, str]
    augment: str
    views: int
    view_seed: int | None
    data: Any
    numerics: dict[str, Any]
    train_only: bool = False


def feature_cache_key(what: CachedActivations) -> str:
    """The key of the activations at `what.boundary` for this trunk, data and augmentation."""
    backbone, data = what.backbone, what.data
    state = trunk_state(backbone, set(what.trunk_stages))
    return cache_key({
        "format": 1,
        "arch": backbone.arch,
        "class": f"{type(backbone.model).__module__}.{type(backbone.model).__qualname__}",
        "boundary": what.boundary,
        "trunk_stages": list(what.trunk_stages),
        "weights": {name: tensor_digest(t) for name, t in sorted(state.items())},
        "preprocessing": backbone.preprocessing.to_dict(),
        "augment": {"name": what.augment, "views": what.views, "seed": what.view_seed,
                    "flip": getattr(data, "flip", True)},
        "bn": what.bn_policy,
        "data": data_identity(data, what.train_only),
        "numerics": what.numerics,
    })
