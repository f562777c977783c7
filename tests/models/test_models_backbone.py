"""Backbone: features + head reproduce the network, head replacement, random copies, stage lookups."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from transferkit.errors import ModelError
from transferkit.models import Backbone, discover_stages, load_backbone

VIT = "timm:vit_tiny_patch16_224?depth=2&img_size=32&patch_size=8"
SPECS = ["timm:resnet10t", "timm:convnext_atto", VIT, "timm:mobilenetv3_small_050", "torchvision:resnet18"]


def small_cnn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 8, 3),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(8, 3),
    )


def generic_backbone() -> Backbone:
    model = small_cnn()
    arch = {"library": "module", "name": "small_cnn", "kwargs": {}}
    return Backbone(model, arch, discover_stages(model, "module", "small_cnn"))


@pytest.fixture(scope="module", params=SPECS + ["module"])
def backbone(request) -> Backbone:
    torch.manual_seed(0)
    if request.param == "module":
        return generic_backbone()
    return load_backbone(request.param + ("&" if "?" in request.param else "?") + "num_classes=7", pretrained=False)


def test_head_of_features_equals_model_output(backbone):
    model = backbone.model.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        features = backbone.features(x)
        logits = model(x)
        again = backbone.head_module()(features)
    assert features.shape == (2, backbone.feature_dim)
    assert logits.shape == (2, backbone.num_classes)
    torch.testing.assert_close(again, logits)


def test_param_counts_cover_the_network(backbone):
    counts = backbone.param_counts()
    assert list(counts) == backbone.stage_names
    assert sum(counts.values()) == sum(p.numel() for p in backbone.model.parameters())
    assert counts["head"] == sum(p.numel() for p in backbone.head_module().parameters())


def test_replace_head_changes_outputs_and_head_stage(backbone):
    b = backbone.clone()
    body_before = {n: p.clone() for n, p in b.model.named_parameters() if b.stage_of_param(n) != "head"}
    old_head = b.head_module()
    b.replace_head(4)
    head = b.head_module()
    assert head is not old_head and b.num_classes == 4
    params = dict(b.model.named_parameters())
    assert {id(params[p]) for p in b.stages[-1].params} == {id(p) for p in head.parameters()}
    assert b.stage_names == backbone.stage_names
    for name, value in body_before.items():
        torch.testing.assert_close(params[name], value)
    b.model.eval()
    with torch.no_grad():
        assert b.model(torch.randn(1, 3, 32, 32)).shape == (1, 4)


def test_replace_head_uses_the_global_rng(backbone):
    heads = []
    for _ in range(2):
        b = backbone.clone()
        torch.manual_seed(123)
        b.replace_head(5)
        heads.append(b.head_module().weight.detach().clone())
    torch.testing.assert_close(heads[0], heads[1])
    assert not torch.equal(heads[0], backbone.clone().head_module().weight[:5])


def test_random_init_copy_same_architecture_new_weights(backbone):
    b = backbone.clone()
    b.replace_head(3)
    copy = b.random_init_copy()
    assert copy.origin["pretrained"] is False and copy.origin["weights"] is None
    assert copy.arch == b.arch and copy.stage_names == b.stage_names and copy.num_classes == 3
    old, new = b.model.state_dict(), copy.model.state_dict()
    assert {k: v.shape for k, v in old.items()} == {k: v.shape for k, v in new.items()}
    first_weight = next(p for p in b.stages[0].params if old[p].ndim >= 2)
    assert not torch.equal(old[first_weight], new[first_weight])
    assert copy.model is not b.model


def test_clone_is_independent(backbone):
    classes = backbone.num_classes
    b = backbone.clone()
    with torch.no_grad():
        next(b.model.parameters()).add_(1.0)
    assert not torch.equal(next(b.model.parameters()), next(backbone.model.parameters()))
    b.replace_head(2)
    assert backbone.num_classes == classes != 2


def test_stage_lookups_on_timm_resnet():
    b = load_backbone("timm:resnet10t", pretrained=False)
    assert b.stage_of_param("conv1.0.weight") == "stem"
    assert b.stage_of_param("fc.weight") == "head"
    with pytest.raises(ModelError, match="Unknown parameter"):
        b.stage_of_param("nope.weight")
    assert b.stage_of_module("layer2.0.bn1") == "stage2"
    assert b.stage_of_module("layer2.0.act1") == "stage2"   # parameter-less, inside layer2
    assert b.stage_of_module("maxpool") == "stem"           # parameter-less, nearest earlier sibling
    assert b.stage_of_module("global_pool") == "stage4"
    assert b.stage_of_module("fc") == "head"
    assert b.stage_of_module("") is None                    # whole network spans all stages
    assert b.stage_of_module("no.such.module") is None


def test_stage_of_module_generic_and_convnext_head():
    b = generic_backbone()
    assert [b.stage_of_module(str(i)) for i in range(8)] == [
        "stem", "stage1", "stage1", "stage2", "stage2", "stage2", "stage2", "head"]
    convnext = load_backbone("timm:convnext_atto", pretrained=False)
    assert convnext.stage_of_module("head.norm") == "stage4"
    assert convnext.stage_of_module("head") is None         # norm (stage4) and fc (head)
    assert convnext.stage_of_module("head.fc") == "head"


def test_replace_head_rejects_bad_sizes():
    b = generic_backbone()
    with pytest.raises(ModelError, match="at least 1"):
        b.replace_head(0)


def test_backbone_checks_its_stages():
    b = generic_backbone()
    with pytest.raises(ModelError):
        Backbone(b.model, b.arch, b.stages[:-2] + b.stages[-1:])
