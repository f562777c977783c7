"""Model directories: round trip, atomic writes, refusals, corrupt metadata."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from transferkit.errors import ModelError
from transferkit.models import (Backbone, discover_stages, is_model_dir, load_backbone, load_model_dir,
                                save_model_dir, sha256_file)
from transferkit.models import model_dir as model_dir_module

SOURCE = {"spec": "synthetic:shapes", "fingerprint": "abc123", "images": 40, "classes": ["a", "b", "c"]}


@pytest.fixture(scope="module")
def trained() -> Backbone:
    torch.manual_seed(3)
    b = load_backbone("timm:resnet10t?num_classes=3", pretrained=False, input_size=32)
    with torch.no_grad():  # weights no fresh init would give
        for p in b.model.parameters():
            p.add_(0.01)
    return b


def test_round_trip(tmp_path, trained):
    out = save_model_dir(trained, tmp_path / "model", source=SOURCE, extra={"trained_by": "test"})
    assert is_model_dir(out) and sorted(p.name for p in out.iterdir()) == ["model.json", "model.safetensors"]
    meta = json.loads((out / "model.json").read_text())
    assert meta["schema_version"] == 1 and meta["num_classes"] == 3 and meta["classes"] == ["a", "b", "c"]
    assert meta["trained_by"] == "test" and meta["source"] == SOURCE
    assert [s["name"] for s in meta["stages"]] == trained.stage_names
    assert [s["num_params"] for s in meta["stages"]] == list(trained.param_counts().values())

    loaded = load_model_dir(out)
    for k, v in trained.model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[k], v), k
    assert loaded.preprocessing == trained.preprocessing
    assert [(s.name, s.params) for s in loaded.stages] == [(s.name, s.params) for s in trained.stages]
    assert loaded.arch == trained.arch
    assert loaded.origin == {
        "spec": str(out), "pretrained": True, "weights": str(out / "model.safetensors"),
        "sha256": sha256_file(out / "model.safetensors"), "source_fingerprint": "abc123",
        "source_classes": ["a", "b", "c"],
    }


def test_load_backbone_accepts_a_model_dir(tmp_path, trained):
    out = save_model_dir(trained, tmp_path / "m", source=SOURCE)
    b = load_backbone(str(out), input_size=40)
    assert b.num_classes == 3 and b.preprocessing.input_size == (3, 40, 40)
    random = load_backbone(str(out), pretrained=False)
    assert random.origin["pretrained"] is False and random.num_classes == 3
    assert not torch.equal(random.model.conv1[0].weight, trained.model.conv1[0].weight)
    with pytest.raises(ModelError, match="drop --weights"):
        load_backbone(str(out), weights=str(out / "model.safetensors"))


def test_torchvision_round_trip(tmp_path):
    b = load_backbone("torchvision:resnet18?num_classes=2", pretrained=False)
    loaded = load_model_dir(save_model_dir(b, tmp_path / "tv"))
    assert loaded.arch["library"] == "torchvision" and loaded.num_classes == 2
    for k, v in b.model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[k], v), k


def test_failed_save_leaves_nothing_behind(tmp_path, trained, monkeypatch):
    def crash(tensors, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(model_dir_module, "save_file", crash)
    with pytest.raises(OSError, match="disk full"):
        save_model_dir(trained, tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_unless_asked(tmp_path, trained):
    out = tmp_path / "model"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(ModelError, match="new --out or remove it") as info:
        save_model_dir(trained, out)
    assert "\n" not in str(info.value) and (out / "keep.txt").exists()
    save_model_dir(trained, out, overwrite=True)
    assert is_model_dir(out) and not (out / "keep.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert is_model_dir(save_model_dir(trained, empty))


def test_corrupt_or_missing_metadata(tmp_path, trained):
    out = save_model_dir(trained, tmp_path / "m")
    (out / "model.json").write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_model_dir(out)
    (out / "model.json").write_text(json.dumps({"schema_version": 99}))
    with pytest.raises(ModelError, match="schema_version"):
        load_model_dir(out)
    (out / "model.json").unlink()
    assert not is_model_dir(out)
    with pytest.raises(ModelError, match="no model.json"):
        load_model_dir(out)


def test_weights_that_do_not_fit_the_saved_arch(tmp_path, trained):
    out = save_model_dir(trained, tmp_path / "m")
    meta = json.loads((out / "model.json").read_text())
    meta["arch"]["name"] = "resnet18"
    (out / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="does not fit"):
        load_model_dir(out)


def test_custom_module_saves_but_cannot_be_rebuilt(tmp_path):
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
    b = Backbone(model, {"library": "module", "name": "tiny", "kwargs": {}}, discover_stages(model, "module", "tiny"))
    out = save_model_dir(b, tmp_path / "m")
    with pytest.raises(ModelError, match="only timm and torchvision"):
        load_model_dir(out)


def test_extra_may_override_classes_but_not_the_architecture(tmp_path, trained):
    out = save_model_dir(trained, tmp_path / "m", source=SOURCE, extra={"classes": ["x", "y", "z"]})
    assert load_model_dir(out).origin["source_classes"] == ["x", "y", "z"]
    with pytest.raises(ModelError, match="rename them"):
        save_model_dir(trained, tmp_path / "n", extra={"arch": {}})
    assert not (tmp_path / "n").exists()
