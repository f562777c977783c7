"""load_backbone: specs, local weights files (timm's file path, torchvision), hub failures, suggestions."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file

from transferkit.errors import ModelError
from transferkit.models import load_backbone, sha256_file
from transferkit.models.spec import parse_spec, parse_value

VIT = "timm:vit_tiny_patch16_224?depth=2&img_size=32&patch_size=8"


def one_line_error(info: pytest.ExceptionInfo) -> str:
    message = str(info.value)
    assert "\n" not in message
    return message


def save_both(state: dict, folder) -> list:
    """The same weights as .safetensors and as a DDP-style .pth checkpoint."""
    save_file({k: v.contiguous() for k, v in state.items()}, folder / "w.safetensors")
    torch.save({"state_dict": {f"module.{k}": v for k, v in state.items()}, "epoch": 1}, folder / "w.pth")
    return [folder / "w.safetensors", folder / "w.pth"]


def assert_same_weights(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


@pytest.mark.parametrize("spec", ["timm:resnet10t", VIT, "torchvision:resnet18"])
def test_local_weights_file_round_trip(tmp_path, spec):
    torch.manual_seed(1)
    sep = "&" if "?" in spec else "?"
    source = load_backbone(f"{spec}{sep}num_classes=5", pretrained=False)
    for path in save_both(source.model.state_dict(), tmp_path):
        loaded = load_backbone(spec, weights=str(path))
        assert loaded.num_classes == 5
        assert_same_weights(source.model.state_dict(), loaded.model.state_dict())
        assert loaded.origin["pretrained"] is True
        assert loaded.origin["weights"] == str(path)
        assert loaded.origin["sha256"] == sha256_file(path)
        assert loaded.stage_names == source.stage_names


def test_weights_file_then_new_head_size(tmp_path):
    source = load_backbone("timm:resnet10t?num_classes=5", pretrained=False)
    path = save_both(source.model.state_dict(), tmp_path)[0]
    loaded = load_backbone("timm:resnet10t?num_classes=3", weights=str(path))
    assert loaded.num_classes == 3 and "num_classes" not in loaded.arch["kwargs"]
    body = [n for n in source.model.state_dict() if not n.startswith("fc.")]
    for name in body:
        assert torch.equal(source.model.state_dict()[name], loaded.model.state_dict()[name])


@pytest.mark.parametrize("target", ["timm:resnet18", "torchvision:resnet18"])
def test_weights_of_another_architecture(tmp_path, target):
    other = load_backbone("timm:resnet10t", pretrained=False)
    path = save_both(other.model.state_dict(), tmp_path)[0]
    with pytest.raises(ModelError, match="does not fit") as info:
        load_backbone(target, weights=str(path))
    message = one_line_error(info)
    assert "w.safetensors" in message and target in message
    assert "missing keys" in message and "unexpected keys" in message and "--model" in message


def test_weights_with_other_shapes(tmp_path):
    small = load_backbone("timm:resnet10t", pretrained=False).model.state_dict()
    state = {k: (torch.zeros(v.shape[0] + 1, *v.shape[1:]) if k == "conv1.0.weight" else v) for k, v in small.items()}
    path = save_both(state, tmp_path)[0]
    with pytest.raises(ModelError, match="another shape") as info:
        load_backbone("timm:resnet10t", weights=str(path))
    assert "conv1.0.weight" in one_line_error(info)


def test_no_network_timm(monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("[Errno -2] Name or service not known")

    monkeypatch.setattr("timm.models._builder.load_pretrained", offline)
    with pytest.raises(ModelError, match="Could not download pretrained weights for timm:resnet10t") as info:
        load_backbone("timm:resnet10t")
    assert "--weights" in one_line_error(info) and "--no-pretrained" in str(info.value)


def test_no_network_timm_hub_client_error(monkeypatch):
    from huggingface_hub.errors import LocalEntryNotFoundError

    def offline(*args, **kwargs):
        raise LocalEntryNotFoundError("cannot find the requested files in the local cache")

    monkeypatch.setattr("timm.models._builder.load_state_dict_from_hf", offline)
    with pytest.raises(ModelError, match="--weights"):
        load_backbone("timm:resnet10t")


def test_no_network_torchvision(monkeypatch):
    from urllib.error import URLError

    def offline(*args, **kwargs):
        raise URLError("no route to host")

    monkeypatch.setattr("torchvision.models._api.load_state_dict_from_url", offline)
    with pytest.raises(ModelError, match="Could not download pretrained weights for torchvision:resnet18") as info:
        load_backbone("torchvision:resnet18")
    assert "--weights" in one_line_error(info)


def test_random_weights_and_origin():
    b = load_backbone("timm:resnet10t?num_classes=4", pretrained=False, input_size=48)
    assert b.num_classes == 4 and b.arch == {"library": "timm", "name": "resnet10t", "kwargs": {}}
    assert b.origin == {"spec": "timm:resnet10t?num_classes=4", "pretrained": False, "weights": None,
                        "sha256": None, "source_fingerprint": None, "source_classes": None}
    assert b.preprocessing.input_size == (3, 48, 48)


def test_preprocessing_from_library_configs():
    vit = load_backbone(VIT, pretrained=False)
    assert vit.preprocessing.input_size == (3, 32, 32)
    assert vit.preprocessing.mean == (0.5, 0.5, 0.5)
    tv = load_backbone("torchvision:resnet18", pretrained=False)
    assert tv.preprocessing.input_size == (3, 224, 224)
    assert tv.preprocessing.interpolation == "bilinear" and tv.preprocessing.crop_pct == pytest.approx(0.875)


def test_bare_names_resolve_to_a_library():
    assert parse_spec("resnet10t").library == "timm"
    assert parse_spec("mobilenet_v3_small").library == "torchvision"
    assert parse_spec("timm:vit_tiny_patch16_224?depth=2&img_size=32").kwargs == {"depth": 2, "img_size": 32}
    assert [parse_value(v) for v in ["3", "0.5", "true", "False", "avg", "1,2"]] == [3, 0.5, True, False, "avg", (1, 2)]


@pytest.mark.parametrize(
    ("spec", "suggestion"),
    [("resnt18", "'timm:resnet18'"), ("timm:resnt18", "'timm:resnet18'"),
     ("torchvision:resnt18", "'torchvision:resnet18'")],
)
def test_unknown_names_get_suggestions(spec, suggestion):
    with pytest.raises(ModelError, match="Did you mean") as info:
        load_backbone(spec, pretrained=False)
    assert suggestion in one_line_error(info)


def test_bad_specs(tmp_path):
    with pytest.raises(ModelError, match="Model directory 'no/such/dir' does not exist"):
        load_backbone("no/such/dir")
    (tmp_path / "w.safetensors").write_bytes(b"")
    with pytest.raises(ModelError, match="--weights"):
        load_backbone(str(tmp_path / "w.safetensors"))
    with pytest.raises(ModelError, match="Bad options"):
        load_backbone("timm:resnet10t?depth", pretrained=False)
    with pytest.raises(ModelError, match="unexpected keyword") as info:
        load_backbone("timm:resnet10t?bogus=1", pretrained=False)
    one_line_error(info)
    with pytest.raises(ModelError, match="not both"):
        load_backbone("timm:resnet10t", weights=str(tmp_path / "w.safetensors"), pretrained=False)
    with pytest.raises(ModelError, match="pretrained tag"):
        load_backbone("timm:resnet10t.no_such_tag", pretrained=False)
