"""The torchvision family: classification models by name, known families' stages and forward steps."""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import nn

from transferkit.models.family import BackboneFamily, register_family
from transferkit.models.segments import Step, chain, children
from transferkit.models.stages import Stage


@lru_cache(maxsize=1)
def torchvision_names() -> tuple[str, ...]:
    """Classification models only (detection, segmentation and video models are not backbones here)."""
    from torchvision import models as tvm

    return tuple(tvm.list_models(module=tvm))


class TorchvisionFamily(BackboneFamily):
    """torchvision classification networks (`torchvision:NAME`); the head is the last nn.Linear."""

    name = "torchvision"
    prefix = "torchvision"

    def knows(self, name: str) -> bool:
        return name in torchvision_names()

    def names(self) -> tuple[str, ...]:
        return torchvision_names()

    def unknown(self, name: str) -> str:
        return f"torchvision has no model '{name}'; torchvision.models.list_models() lists the names."

    def build(self, name: str, kwargs: dict) -> nn.Module:
        from transferkit.models.torchvision_source import build_torchvision

        return build_torchvision(name, kwargs)

    def pretrained(self, name: str, kwargs: dict) -> nn.Module:
        from transferkit.models.torchvision_source import torchvision_pretrained

        return torchvision_pretrained(name, kwargs)

    def preprocessing(self, model: nn.Module, name: str, kwargs: dict):
        from transferkit.models.torchvision_source import torchvision_preprocessing

        return torchvision_preprocessing(name, kwargs)

    def source_classes(self, model: nn.Module, name: str) -> list[str] | None:
        from transferkit.models.torchvision_source import torchvision_classes

        return torchvision_classes(name)

    def stages(self, model: nn.Module, name: str) -> list[Stage] | None:
        from transferkit.models.torchvision_stages import torchvision_stages

        return torchvision_stages(model)

    def forward_steps(self, model: nn.Module) -> list[Step] | None:
        from torchvision import models as tvm

        if isinstance(model, tvm.ResNet):
            layers = ["layer1", "layer2", "layer3", "layer4"]
            return chain(model, ["conv1", "bn1", "relu", "maxpool"], layers, [],
                         lambda x: model.fc(torch.flatten(model.avgpool(x), 1)))
        features = children(model, "features") if isinstance(getattr(model, "features", None), nn.Sequential) else []
        if isinstance(model, (tvm.EfficientNet, tvm.MobileNetV3)):
            return chain(model, features[:1], features[1:], [],
                         lambda x: model.classifier(torch.flatten(model.avgpool(x), 1)))
        if isinstance(model, tvm.MobileNetV2):
            pool = nn.functional.adaptive_avg_pool2d
            return chain(model, features[:1], features[1:], [],
                         lambda x: model.classifier(torch.flatten(pool(x, (1, 1)), 1)))
        if isinstance(model, tvm.ConvNeXt):
            return chain(model, features[:1], features[1:], [], lambda x: model.classifier(model.avgpool(x)))
        return None


register_family(TorchvisionFamily())
