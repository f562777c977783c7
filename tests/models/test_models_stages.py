"""Stage discovery: timm group_matcher, torchvision families, generic fallback; every param in one stage."""

from __future__ import annotations

from collections import Counter

import pytest
import timm
import torch
import torchvision
from torch import nn

from transferkit.errors import ModelError
from transferkit.models import Stage, discover_stages
from transferkit.models.stages import check_stages

VIT_KW = dict(depth=2, img_size=32, patch_size=8)


def assert_partition(model: nn.Module, stages: list[Stage]) -> None:
    counts = Counter(p for s in stages for p in s.params)
    assert all(c == 1 for c in counts.values()), [p for p, c in counts.items() if c > 1]
    assert set(counts) == {n for n, _ in model.named_parameters()}


def names(stages: list[Stage]) -> list[str]:
    return [s.name for s in stages]


def param_ids(modules) -> set[int]:
    return {id(p) for m in modules for p in m.parameters()}


def head_ids(model: nn.Module, stages: list[Stage]) -> set[int]:
    params = dict(model.named_parameters())
    return {id(params[p]) for p in stages[-1].params}


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    [
        ("resnet10t", {}, ["stem", "stage1", "stage2", "stage3", "stage4", "head"]),
        ("convnext_atto", {}, ["stem", "stage1", "stage2", "stage3", "stage4", "head"]),
        ("vit_tiny_patch16_224", VIT_KW, ["stem", "stage1", "stage2", "head"]),
        ("mobilenetv3_small_050", {}, ["stem"] + [f"stage{i}" for i in range(1, 7)] + ["head"]),
    ],
)
def test_timm_stages(name, kwargs, expected):
    model = timm.create_model(name, pretrained=False, **kwargs)
    stages = discover_stages(model, "timm", name)
    assert names(stages) == expected
    assert_partition(model, stages)
    assert head_ids(model, stages) == param_ids([model.get_classifier()])


def test_timm_tail_params_join_last_stage():
    convnext = timm.create_model("convnext_atto", pretrained=False)
    stages = {s.name: s.params for s in discover_stages(convnext, "timm", "convnext_atto")}
    assert {"head.norm.weight", "head.norm.bias"} <= set(stages["stage4"])
    assert stages["head"] == ["head.fc.weight", "head.fc.bias"]
    assert all(p.startswith("stages.3.") or p.startswith("head.norm") for p in stages["stage4"])

    vit = timm.create_model("vit_tiny_patch16_224", pretrained=False, **VIT_KW)
    stages = {s.name: s.params for s in discover_stages(vit, "timm", "vit_tiny_patch16_224")}
    assert {"cls_token", "pos_embed", "patch_embed.proj.weight"} <= set(stages["stem"])
    assert {"norm.weight", "norm.bias"} <= set(stages["stage2"])
    assert stages["head"] == ["head.weight", "head.bias"]

    mobilenet = timm.create_model("mobilenetv3_small_050", pretrained=False)
    stages = {s.name: s.params for s in discover_stages(mobilenet, "timm", "mobilenetv3_small_050")}
    assert "conv_head.weight" in stages["stage6"]
    assert stages["head"] == ["classifier.weight", "classifier.bias"]


def test_timm_without_classifier_is_refused():
    model = timm.create_model("resnet10t", pretrained=False, num_classes=0)
    with pytest.raises(ModelError, match="num_classes=0"):
        discover_stages(model, "timm", "resnet10t")


def test_torchvision_resnet18_stages():
    model = torchvision.models.resnet18(weights=None, num_classes=10)
    stages = discover_stages(model, "torchvision", "resnet18")
    assert names(stages) == ["stem", "stage1", "stage2", "stage3", "stage4", "head"]
    assert_partition(model, stages)
    assert stages[0].params == ["conv1.weight", "bn1.weight", "bn1.bias"]
    for i in range(1, 5):
        assert all(p.startswith(f"layer{i}.") for p in stages[i].params)
    assert stages[-1].params == ["fc.weight", "fc.bias"]


def test_torchvision_mobilenet_v3_classifier_tail_in_last_stage():
    model = torchvision.models.mobilenet_v3_small(weights=None)
    stages = discover_stages(model, "torchvision", "mobilenet_v3_small")
    assert_partition(model, stages)
    assert len(stages) == len(model.features) + 1
    assert stages[-1].params == ["classifier.3.weight", "classifier.3.bias"]
    assert {"classifier.0.weight", "classifier.0.bias"} <= set(stages[-2].params)


def test_torchvision_vit_stages():
    model = torchvision.models.VisionTransformer(
        image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32, num_classes=5)
    stages = discover_stages(model, "torchvision", "vit_custom")
    assert names(stages) == ["stem", "stage1", "stage2", "head"]
    assert_partition(model, stages)
    assert set(stages[0].params) == {"class_token", "conv_proj.weight", "conv_proj.bias", "encoder.pos_embedding"}
    assert {"encoder.ln.weight", "encoder.ln.bias"} <= set(stages[2].params)
    assert stages[-1].params == ["heads.head.weight", "heads.head.bias"]


def test_torchvision_convnext_downsample_joins_next_stage():
    model = torchvision.models.convnext_tiny(weights=None)
    stages = discover_stages(model, "torchvision", "convnext_tiny")
    assert names(stages) == ["stem", "stage1", "stage2", "stage3", "stage4", "head"]
    assert_partition(model, stages)
    assert stages[2].params[0].startswith("features.2.")  # downsample before features.3
    assert "classifier.0.weight" in stages[4].params
    assert stages[-1].params == ["classifier.2.weight", "classifier.2.bias"]


def small_cnn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 8, 3),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.1), nn.Linear(8, 3),
    )


def test_generic_fallback_sequential():
    model = small_cnn()
    stages = discover_stages(model, "module", "small_cnn")
    assert [(s.name, s.params) for s in stages] == [
        ("stem", ["0.weight", "0.bias"]),
        ("stage1", ["1.weight", "1.bias"]),
        ("stage2", ["3.weight", "3.bias"]),
        ("head", ["7.weight", "7.bias"]),
    ]
    assert_partition(model, stages)


class Wrapped(nn.Module):
    """A root-level parameter, a body, and a classifier whose last Linear is the head."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        self.body = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3))
        self.classifier = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))


def test_generic_fallback_removes_last_linear_from_its_child():
    model = Wrapped()
    stages = discover_stages(model, "module", "wrapped")
    assert names(stages) == ["stem", "stage1", "stage2", "head"]
    assert stages[0].params == ["scale"]
    assert stages[1].params == ["body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias"]
    assert stages[-1].params == ["classifier.2.weight", "classifier.2.bias"]
    assert stages[-2].params == ["classifier.0.weight", "classifier.0.bias"]
    assert_partition(model, stages)


def test_generic_fallback_descends_into_a_lone_child():
    outer = nn.Sequential(small_cnn())
    stages = discover_stages(outer, "module", "outer")
    assert names(stages) == ["stem", "stage1", "stage2", "head"]
    assert stages[-1].params == ["0.7.weight", "0.7.bias"]


def test_generic_without_linear_is_refused():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 2, 1))
    with pytest.raises(ModelError, match="No classifier found") as info:
        discover_stages(model, "module", "convs")
    assert "\n" not in str(info.value)


def test_check_stages_catches_broken_partitions():
    model = small_cnn()
    good = discover_stages(model, "module", "x")
    duplicate = [Stage("stem", good[0].params + good[1].params[:1]), *good[1:]]
    with pytest.raises(ModelError, match="both stage"):
        check_stages(model, duplicate)
    with pytest.raises(ModelError, match="2 parameters in no stage"):
        check_stages(model, [good[0], Stage("stage1", good[2].params), good[3]])
    with pytest.raises(ModelError, match="named stem"):
        check_stages(model, [good[0], good[2], good[3]])
    with pytest.raises(ModelError, match="head stage has no parameters"):
        check_stages(model, [*good[:-1], Stage("head", [])])
