"""load_backbone: one entry point from a model spec (+ optional weights file) to a Backbone."""

from __future__ import annotations

from transferkit.console import logger
from transferkit.errors import ModelError
from transferkit.models.backbone import Backbone
from transferkit.models.family import family_named
from transferkit.settings import ModelRef
from transferkit.models.spec import parse_spec


def load_backbone(model: str | ModelRef, **ref: object) -> Backbone:
    """A Backbone from a ModelRef, or from a spec string plus ModelRef fields (`weights`, `pretrained`, ...).

    Spec: `timm:NAME?opt=val`, `torchvision:NAME`, a model directory, or a bare name; the family that knows it
    loads it. `weights` is a local .safetensors/.pth file (read safely; `weights_map="order"` matches its tensors
    by position); without it, pretrained=True loads the published weights (the hub, or when the hub is
    unreachable an installed offline copy) and pretrained=False gives random weights. For a model directory,
    pretrained=False gives a random network of the saved architecture. `input_size` overrides the
    preprocessing's square input size.
    """
    ref_ = model if isinstance(model, ModelRef) else ModelRef(str(model), **ref)
    parsed = parse_spec(ref_.spec)
    family = family_named(parsed.library)
    if (ref_.pooling is not None or ref_.max_length is not None) and not family.pools_tokens:
        raise ModelError(f"--pooling and --max-length apply to hf: transformer encoders; '{ref_.spec}' is a "
                         f"{family.name} network, so drop them.")
    backbone = family.load(parsed, ref_)
    if ref_.input_size is not None:
        backbone.preprocessing = backbone.preprocessing.with_input_size(ref_.input_size)
    what = backbone.origin["weights"] or "random weights"
    logger.info("Loaded %s (%s): stages %s", ref_.spec, what, ", ".join(backbone.stage_names))
    return backbone
