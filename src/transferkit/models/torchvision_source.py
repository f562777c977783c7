"""Creating torchvision classification networks: random, or from the hub; their preprocessing and classes."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import torch
from torch import nn
from torchvision import models as tvm

from transferkit.data.preprocessing import Preprocessing
from transferkit.models.builders import bad_options
from transferkit.models.hub import download_error, hub_reachable, is_network_error, no_weights_error

# Used when a model has no weights enum to read its eval transform from.
_DEFAULT = Preprocessing(input_size=(3, 224, 224), interpolation="bilinear", crop_pct=0.875)


def default_weights(name: str):
    try:
        return tvm.get_model_weights(name).DEFAULT
    except (ValueError, KeyError, AttributeError):
        return None


def build_torchvision(name: str, kwargs: dict) -> nn.Module:
    try:
        return tvm.get_model(name, weights=None, **kwargs)
    except (TypeError, ValueError, RuntimeError) as e:
        raise bad_options(f"torchvision:{name}", kwargs, e) from e


def torchvision_preprocessing(name: str, kwargs: dict) -> Preprocessing:
    """From the default weights' eval transform (crop, resize, mean, std, interpolation); else ImageNet 224/0.875."""
    weights = default_weights(name)
    pre = _DEFAULT
    if weights is not None:
        t = weights.transforms()
        crop, resize = int(t.crop_size[0]), int(t.resize_size[0])
        pre = Preprocessing(
            input_size=(3, crop, crop),
            mean=tuple(float(v) for v in t.mean),
            std=tuple(float(v) for v in t.std),
            interpolation=str(t.interpolation.value),
            crop_pct=min(1.0, crop / resize),
        )
    size = kwargs.get("image_size")
    return pre.with_input_size(int(size)) if isinstance(size, int) else pre


def torchvision_classes(name: str) -> list[str] | None:
    weights = default_weights(name)
    classes = weights.meta.get("categories") if weights is not None else None
    if classes and list(classes) == tvm.ResNet50_Weights.IMAGENET1K_V1.meta["categories"]:
        # the same 1000 ImageNet classes in the same order as timm's heads: one spelling (timm's), so the source
        # heads of timm and torchvision networks compare (LEEP, NCE, label-space overlap)
        from timm.data import ImageNetInfo

        return ImageNetInfo("imagenet-1k").label_descriptions()
    return list(classes) if classes else None


def torchvision_pretrained(name: str, kwargs: dict) -> nn.Module:
    """The default published weights (torch hub's cache first, then a download when the hub answers), else HubUnreachable."""
    target = f"torchvision:{name}"
    weights = default_weights(name)
    if weights is None:
        raise no_weights_error(target)
    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(urlparse(weights.url).path).name
    if not cached.is_file() and not hub_reachable(weights.url):
        raise download_error(target)
    try:
        return tvm.get_model(name, weights=weights, **kwargs)
    except Exception as e:  # download clients raise their own types; classify, re-raise the rest
        if is_network_error(e):
            raise download_error(target) from e
        if isinstance(e, (TypeError, ValueError)):
            raise bad_options(f"torchvision:{name}", kwargs, e) from e
        raise
