"""Stages of the torchvision classification families: ResNet, ConvNeXt, EfficientNet, MobileNet, ViT."""

from __future__ import annotations

from torch import nn
from torchvision import models as tvm

from transferkit.console import logger
from transferkit.models.stages import Stage, build_stages, last_linear


def _resnet(model: tvm.ResNet) -> tuple[list[list[str]], str]:
    layers = [n for n, _ in model.named_children() if n.startswith("layer")]
    return [["conv1", "bn1"], *([n] for n in layers), ["fc"]], "fc"


def _features_then_classifier(model: nn.Module) -> tuple[list[list[str]], str]:
    """EfficientNet / MobileNet: features[0] stem, each later features[i] a stage, classifier tail -> last stage."""
    n = len(model.features)
    groups = [[f"features.{i}"] for i in range(n)]
    groups[-1].append("classifier")
    return groups, f"classifier.{last_linear(model.classifier)}"


def _convnext(model: tvm.ConvNeXt) -> tuple[list[list[str]], str]:
    """features = [stem, stage, downsample, stage, ...]; each downsample joins the stage after it."""
    n = len(model.features)
    groups = [["features.0"], ["features.1"]]
    groups += [[f"features.{i}", f"features.{i + 1}"] for i in range(2, n - 1, 2)]
    groups[-1].append("classifier")
    return groups, f"classifier.{last_linear(model.classifier)}"


def _vit(model: tvm.VisionTransformer) -> tuple[list[list[str]], str]:
    layers = [f"encoder.layers.{n}" for n, _ in model.encoder.layers.named_children()]
    groups = [["conv_proj", "class_token", "encoder.pos_embedding"], *([n] for n in layers)]
    groups[-1] += ["encoder.ln", "heads"]
    return groups, f"heads.{last_linear(model.heads)}"


_FAMILIES = (
    (tvm.ResNet, _resnet),
    (tvm.ConvNeXt, _convnext),
    (tvm.EfficientNet, _features_then_classifier),
    (tvm.MobileNetV2, _features_then_classifier),
    (tvm.MobileNetV3, _features_then_classifier),
    (tvm.VisionTransformer, _vit),
)


def _owner(name: str, prefixes: list[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def torchvision_stages(model: nn.Module) -> list[Stage] | None:
    """Stages for a known torchvision family, or None (caller falls back to the generic rule)."""
    family = next((fn for cls, fn in _FAMILIES if isinstance(model, cls)), None)
    if family is None:
        return None
    prefixes, head_name = family(model)
    head = [n for n, _ in model.named_parameters() if _owner(n, [head_name])]
    groups: list[list[str]] = [[] for _ in prefixes]
    for pname, _ in model.named_parameters():
        index = next((i for i, pre in enumerate(prefixes) if _owner(pname, pre)), None)
        if index is None:
            logger.warning("%s: parameter '%s' fits no known stage; using top-level modules as stages.",
                           type(model).__name__, pname)
            return None
        groups[index].append(pname)
    return build_stages(model, groups, head)
