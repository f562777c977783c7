"""load_backbone: one entry point from a model spec (+ optional weights file) to a Backbone."""

from __future__ import annotations

from pathlib import Path

from transferkit.console import logger
from transferkit.errors import ModelError
from transferkit.models.backbone import Backbone
from transferkit.models.model_dir import load_model_dir
from transferkit.models.ref import ModelRef
from transferkit.models.spec import ModelSpec, parse_spec
from transferkit.models.stages import discover_stages


def _create(parsed: ModelSpec, kwargs: dict, weights: str | Path | None, pretrained: bool):
    if parsed.library == "timm":
        from transferkit.models.timm_source import create_timm

        return create_timm(parsed.name, kwargs, weights=weights, pretrained=pretrained)
    from transferkit.models.torchvision_source import create_torchvision

    return create_torchvision(parsed.name, kwargs, weights=weights, pretrained=pretrained)


def _from_library(spec: str, parsed: ModelSpec, weights: str | Path | None, pretrained: bool) -> Backbone:
    kwargs = dict(parsed.kwargs)
    requested = kwargs.pop("num_classes", None)
    if requested is not None and (not isinstance(requested, int) or isinstance(requested, bool) or requested < 1):
        raise ModelError(f"num_classes must be a positive integer; got {requested!r} in '{spec}'.")
    loads_weights = weights is not None or pretrained
    # Random networks get their head size at construction; loaded ones keep the stored head, then replace it.
    create_kwargs = kwargs if loads_weights or requested is None else {**kwargs, "num_classes": requested}
    created = _create(parsed, create_kwargs, weights, pretrained)
    origin = {
        "spec": spec,
        "pretrained": loads_weights,
        "weights": created.weights,
        "sha256": created.sha256,
        "source_fingerprint": None,
        "source_classes": created.source_classes,
    }
    arch = {"library": parsed.library, "name": parsed.name, "kwargs": kwargs}
    stages = discover_stages(created.model, parsed.library, parsed.name)
    backbone = Backbone(created.model, arch, stages, created.preprocessing, origin)
    if requested is not None and requested != backbone.num_classes:
        backbone.replace_head(requested)
    return backbone


def load_backbone(model: str | ModelRef, **ref: object) -> Backbone:
    """A Backbone from a ModelRef, or from a spec string plus ModelRef fields (`weights`, `pretrained`, ...).

    Spec: `timm:NAME?opt=val`, `torchvision:NAME`, a model directory, or a bare name. `weights` is a local
    .safetensors/.pth file (read safely); without it, pretrained=True downloads from the hub and pretrained=False
    gives random weights. For a model directory, pretrained=False gives a random network of the saved
    architecture. `input_size` overrides the preprocessing's square input size.
    """
    ref_ = model if isinstance(model, ModelRef) else ModelRef(str(model), **ref)
    spec, weights, pretrained = ref_.spec, ref_.weights, ref_.pretrained
    parsed = parse_spec(spec)
    if parsed.library == "dir":
        if weights is not None:
            raise ModelError(f"'{spec}' is a model directory with its own weights; drop --weights.")
        backbone = load_model_dir(parsed.name)
        if not pretrained:
            backbone = backbone.random_init_copy()
    else:
        backbone = _from_library(spec, parsed, weights, pretrained)
    if ref_.input_size is not None:
        backbone.preprocessing = backbone.preprocessing.with_input_size(ref_.input_size)
    what = backbone.origin["weights"] or "random weights"
    logger.info("Loaded %s (%s): stages %s", spec, what, ", ".join(backbone.stage_names))
    return backbone
