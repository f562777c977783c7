"""Creating torchvision classification networks: from the hub, from a local weights file, or random."""

from __future__ import annotations

from pathlib import Path

from torchvision import models as tvm

from transferkit.data.preprocessing import Preprocessing
from transferkit.errors import ModelError
from transferkit.models.builders import Created, build_model, first_line
from transferkit.models.fit import load_strict
from transferkit.models.hub import download_error, is_network_error, no_weights_error
from transferkit.models.safe_load import load_state_dict_file, sha256_file
from transferkit.models.stages import discover_stages

# Used when a model has no weights enum to read its eval transform from.
_DEFAULT = Preprocessing(input_size=(3, 224, 224), interpolation="bilinear", crop_pct=0.875)


def _default_weights(name: str):
    try:
        return tvm.get_model_weights(name).DEFAULT
    except (ValueError, KeyError, AttributeError):
        return None


def torchvision_preprocessing(name: str, kwargs: dict) -> Preprocessing:
    """From the default weights' eval transform (crop, resize, mean, std, interpolation); else ImageNet 224/0.875."""
    weights = _default_weights(name)
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


def _from_file(name: str, kwargs: dict, path: Path) -> Created:
    target = f"torchvision:{name}"
    state = load_state_dict_file(path)
    sha = sha256_file(path)
    arch = {"library": "torchvision", "name": name, "kwargs": kwargs}
    model = build_model(arch)
    head = discover_stages(model, "torchvision", name)[-1].params
    params = dict(model.named_parameters())
    weight = next((p for p in head if params[p].ndim >= 2), None)
    if weight in state and state[weight].shape[0] != params[weight].shape[0]:
        model = build_model(arch, num_classes=int(state[weight].shape[0]))
    load_strict(model, state, path, target)
    return Created(model, torchvision_preprocessing(name, kwargs), str(path), sha, None)


def _from_hub(name: str, kwargs: dict) -> Created:
    target = f"torchvision:{name}"
    weights = _default_weights(name)
    if weights is None:
        raise no_weights_error(target)
    try:
        model = tvm.get_model(name, weights=weights, **kwargs)
    except Exception as e:  # download clients raise their own types; classify, re-raise the rest
        if is_network_error(e):
            raise download_error(target) from e
        if isinstance(e, (TypeError, ValueError)):
            raise ModelError(f"Cannot build {target} with options {kwargs}: {first_line(e)}; "
                             "check the options after '?' in the model spec.") from e
        raise
    classes = weights.meta.get("categories")
    return Created(model, torchvision_preprocessing(name, kwargs), "hub", None, list(classes) if classes else None)


def create_torchvision(name: str, kwargs: dict, *, weights: str | Path | None, pretrained: bool) -> Created:
    """torchvision network: weights file > hub (pretrained) > random. `kwargs` go to get_model."""
    if weights is not None:
        return _from_file(name, kwargs, Path(weights))
    if pretrained:
        return _from_hub(name, kwargs)
    model = build_model({"library": "torchvision", "name": name, "kwargs": kwargs})
    return Created(model, torchvision_preprocessing(name, kwargs), None, None, None)
