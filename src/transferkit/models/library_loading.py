"""Loading a library network (any family that builds networks by name) with hub, file or random weights."""

from __future__ import annotations

from pathlib import Path

import torch

from transferkit.console import logger
from transferkit.errors import ModelError
from transferkit.models.backbone import Backbone
from transferkit.models.converted_weights import converted_path, read_converted, write_converted
from transferkit.models.family import BackboneFamily
from transferkit.models.fit import mismatch, mismatch_error
from transferkit.models.hub import HubUnreachable
from transferkit.models.offline_weights import offline_weights_for
from transferkit.settings import ModelRef
from transferkit.models.safe_load import check_weights_file, load_state_dict_file, sha256_file
from transferkit.models.spec import ModelSpec
from transferkit.models.stages import discover_stages
from transferkit.models.weight_map import map_by_order, mapping_summary


def _sized(family: BackboneFamily, name: str, kwargs: dict, state: dict[str, torch.Tensor],
           by_position: bool) -> tuple[dict, dict[str, torch.Tensor]]:
    """kwargs whose head size is the stored head's, and the state dict that network expects."""
    model = family.build(name, kwargs)
    expected = model.state_dict()
    head = next((p for p in discover_stages(model, family.name, name)[-1].params if expected[p].ndim >= 2), None)
    if head is None:
        return kwargs, expected
    if by_position:
        keys = list(expected)
        stored = list(state.values())[keys.index(head)] if len(state) == len(keys) else None
    else:
        stored = state.get(head)
    if stored is None or stored.ndim < 2 or stored.shape[0] == expected[head].shape[0]:
        return kwargs, expected
    kwargs = {**kwargs, "num_classes": int(stored.shape[0])}
    return kwargs, family.build(name, kwargs).state_dict()


def _order_mapped(family: BackboneFamily, name: str, kwargs: dict, path: Path, sha: str,
                  target: str) -> tuple[dict[str, torch.Tensor], dict]:
    """The file's tensors under the network's names (by position), converted once and cached; and its record."""
    cached = converted_path(family.name, name, kwargs, sha)
    found = read_converted(cached)
    where = f"the conversion cached at {cached}"
    if found is None:
        if path.suffix == ".safetensors":
            raise ModelError(f"'{path.name}' cannot be mapped by position: safetensors files keep their tensors "
                             "sorted by name, not in the network's order; pass the .pth/.pt file it came from.")
        source = load_state_dict_file(path)
        _, expected = _sized(family, name, kwargs, source, by_position=True)
        found = map_by_order(source, expected, path.name, target)
        write_converted(cached, *found)
        where = f"converted once to {cached}"
    state, mapping = found
    logger.info("%s; %s", mapping_summary(mapping, path.name, target), where)
    return state, {"method": "order", "tensors": len(mapping), "converted": str(cached), "mapping": mapping}


def _from_file(family: BackboneFamily, name: str, kwargs: dict, path: Path, weights_map: str | None):
    target = f"{family.prefix}:{name}"
    check_weights_file(path)
    sha = sha256_file(path)
    origin: dict = {"weights": str(path), "sha256": sha}
    if weights_map == "order":
        state, origin["weights_map"] = _order_mapped(family, name, kwargs, path, sha, target)
    else:
        state = load_state_dict_file(path)
    kwargs, expected = _sized(family, name, kwargs, state, by_position=False)
    try:
        model = family.from_state(name, kwargs, state)
    except (RuntimeError, KeyError, ValueError, IndexError) as e:
        problem = mismatch(expected, state) or str(e).splitlines()[0]
        renamed = weights_map is None and set(expected) != set(state)
        raise mismatch_error(path, target, problem, suggest_order=renamed) from e
    return model, origin


def _pretrained(family: BackboneFamily, name: str, kwargs: dict):
    try:
        model = family.pretrained(name, kwargs)
        return model, {"weights": "hub", "sha256": None, "source_classes": family.source_classes(model, name)}
    except HubUnreachable:
        provider = offline_weights_for(family.name, name)
        if provider is None:
            raise
    path = provider.path()
    logger.info("The model hub is unreachable; using the %s (%s).", provider.description, path)
    model, origin = _from_file(family, name, kwargs, path, provider.weights_map)
    origin.update(source_classes=family.source_classes(model, name), weights_source=provider.record())
    return model, origin


def load_from_library(family: BackboneFamily, parsed: ModelSpec, ref: ModelRef) -> Backbone:
    """A Backbone of `family`'s network `parsed.name`: weights file > pretrained (hub, else offline) > random.

    A `num_classes` option gives a random network that head size at construction; a loaded one keeps its
    stored head, then gets a new one of that size.
    """
    name, kwargs = parsed.name, dict(parsed.kwargs)
    requested = kwargs.pop("num_classes", None)
    if requested is not None and (not isinstance(requested, int) or isinstance(requested, bool) or requested < 1):
        raise ModelError(f"num_classes must be a positive integer; got {requested!r} in '{ref.spec}'.")
    origin = {"weights": None, "sha256": None, "source_classes": None}
    if ref.weights is not None:
        model, found = _from_file(family, name, kwargs, Path(ref.weights), ref.weights_map)
    elif ref.pretrained:
        model, found = _pretrained(family, name, kwargs)
    else:
        model, found = family.build(name, kwargs if requested is None else {**kwargs, "num_classes": requested}), {}
    origin = {"spec": ref.spec, "pretrained": ref.weights is not None or ref.pretrained, **origin,
              "source_fingerprint": None, **found}
    arch = {"library": family.name, "name": name, "kwargs": kwargs}
    stages = discover_stages(model, family.name, name)
    backbone = Backbone(model, arch, stages, family.preprocessing(model, name, kwargs), origin)
    if requested is not None and requested != backbone.num_classes:
        backbone.replace_head(requested)
    return backbone
