"""Cutting a network at a stage boundary: trunk then rest equals model(x), and gradients reach exactly the stages
above the cut, for every supported family (tiny random models)."""

from __future__ import annotations

import pytest
import timm
import torch
from torch import nn
from torchvision import models as tvm
from torchvision.models.convnext import CNBlockConfig
from torchvision.models.efficientnet import MBConvConfig

from transferkit.models import Backbone, discover_stages, load_backbone
from transferkit.models.segments import PRE_LOGITS, pre_logits_cut, stage_cut

TIMM = [
    ("resnet10t", {"channels": (8, 16, 24, 32), "stem_width": 8}),
    ("test_resnet", {}),
    ("test_convnext", {}),
    ("test_efficientnet", {}),
    ("mobilenetv3_small_050", {}),
    ("regnetx_002", {}),
    ("test_vit", {"img_size": 32}),
]


EFFICIENTNET_BLOCKS = [MBConvConfig(1, 3, 1, 8, 8, 1), MBConvConfig(4, 3, 2, 8, 16, 2), MBConvConfig(4, 5, 2, 16, 24, 1)]


def _wrap(model: nn.Module, library: str, name: str) -> Backbone:
    return Backbone(model, {"library": library, "name": name, "kwargs": {}}, discover_stages(model, library, name))


def _torchvision(name: str) -> Backbone:
    if name == "convnext":
        blocks = [CNBlockConfig(8, 16, 1), CNBlockConfig(16, 24, 1), CNBlockConfig(24, None, 1)]
        return _wrap(tvm.ConvNeXt(blocks, num_classes=5), "torchvision", "convnext_small_test")
    builders = {"resnet18": lambda: tvm.resnet18(num_classes=5),
                "mobilenet_v3_small": lambda: tvm.mobilenet_v3_small(num_classes=5, width_mult=0.25),
                "mobilenet_v2": lambda: tvm.mobilenet_v2(num_classes=5, width_mult=0.25),
                "efficientnet": lambda: tvm.EfficientNet(EFFICIENTNET_BLOCKS, 0.2, num_classes=5)}
    return _wrap(builders[name](), "torchvision", name)


def _sequential() -> Backbone:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 8, 3),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 3))
    return _wrap(model, "module", "sequential")


CASES = [f"timm:{n}" for n, _ in TIMM] + [f"torchvision:{n}" for n in
                                           ("resnet18", "mobilenet_v3_small", "mobilenet_v2", "efficientnet",
                                            "convnext")] + ["module:sequential"]


@pytest.fixture(scope="module", params=CASES)
def backbone(request) -> Backbone:
    torch.manual_seed(0)
    library, name = request.param.split(":")
    if library == "timm":
        kwargs = dict(TIMM)[name]
        return _wrap(timm.create_model(name, pretrained=False, num_classes=5, **kwargs), "timm", name)
    if library == "torchvision":
        return _torchvision(name)
    return _sequential()


def _grad_names(backbone: Backbone, loss_of) -> set[str]:
    backbone.model.zero_grad(set_to_none=True)
    loss_of().backward()
    return {n for n, p in backbone.model.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}


def test_every_stage_boundary_reproduces_the_model(backbone):
    x = torch.randn(2, 3, 32, 32)
    model = backbone.model.eval()
    names = backbone.stage_names
    with torch.no_grad():
        expected = model(x)
    cuts = {}
    for stage in names[1:]:
        cut, why = stage_cut(backbone, stage)
        if cut is None:
            assert stage == "head", why  # only the head may lack its own input (its stage holds the final norm)
            continue
        assert cut.trunk_stages == tuple(names[: names.index(stage)])
        with torch.no_grad():
            torch.testing.assert_close(cut.rest(cut.trunk(x)), expected, rtol=1e-5, atol=1e-5)
        cuts[stage] = cut
    assert len(cuts) >= len(names) - 2


def test_stage_boundary_in_training_mode_and_gradients_match_the_stages(backbone):
    x = torch.randn(2, 3, 32, 32)
    model = backbone.model
    names = backbone.stage_names
    for stage in {names[1], names[len(names) // 2], names[-2]}:
        cut, _ = stage_cut(backbone, stage)
        model.train()
        with torch.no_grad(), torch.random.fork_rng():
            torch.manual_seed(1)
            expected = model(x)
            torch.manual_seed(1)
            got = cut.rest(cut.trunk(x))
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
        # the cut matches the stages: from the boundary, gradients reach exactly the stages above it
        model.eval()
        full = _grad_names(backbone, lambda: model(x).square().sum())
        h = cut.trunk(x).detach()
        above = _grad_names(backbone, lambda: cut.rest(h).square().sum())
        assert above == {n for n in full if backbone.stage_of_param(n) not in cut.trunk_stages}
        assert any(backbone.stage_of_param(n) == stage for n in above)


def test_pre_logits_cut_reproduces_the_model(backbone):
    x = torch.randn(2, 3, 32, 32)
    cut = pre_logits_cut(backbone)
    backbone.model.eval()
    with torch.no_grad():
        torch.testing.assert_close(cut.rest(cut.trunk(x)), backbone.model(x))
    assert cut.boundary == PRE_LOGITS and cut.trunk_stages == tuple(backbone.stage_names[:-1])


def test_unknown_family_gets_no_stage_cut_and_says_why():
    model = timm.create_model("test_byobnet", pretrained=False, num_classes=5)
    backbone = _wrap(model, "timm", "test_byobnet")
    cut, why = stage_cut(backbone, backbone.stage_names[2])
    assert cut is None and "does not split into stages" in why and "test_byobnet" in why


def test_cut_is_refused_when_the_steps_do_not_match_the_stages():
    # a torchvision ResNet whose stem and first layer were merged into one stage cannot be cut between them
    backbone = load_backbone("torchvision:resnet18?num_classes=4", pretrained=False)
    stages = backbone.stages
    merged = [type(stages[0])("stem", stages[0].params[:1])]
    merged.append(type(stages[0])("stage1", stages[0].params[1:] + stages[1].params))
    merged += [type(s)(f"stage{i}", s.params) for i, s in enumerate(stages[2:-1], start=2)] + [stages[-1]]
    odd = Backbone(backbone.model, backbone.arch, merged)
    cut, why = stage_cut(odd, "stage1")
    assert cut is None and "does not split cleanly before stage1" in why
    assert stage_cut(odd, "stage2")[0] is not None
