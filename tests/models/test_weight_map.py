"""--weights-map order: a checkpoint of another implementation (other names, same tensors in the same order)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from transferkit.errors import ModelError
from transferkit.models import load_backbone, sha256_file
from transferkit.models import library_loading

TINY = "timm:resnet10t?channels=8,16,24,32&stem_width=8"


def one_line(info: pytest.ExceptionInfo) -> str:
    assert "\n" not in str(info.value)
    return str(info.value)


@pytest.fixture(scope="module")
def source() -> dict[str, torch.Tensor]:
    torch.manual_seed(3)
    return load_backbone(f"{TINY}&num_classes=7", pretrained=False).model.state_dict()


def renamed(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The same tensors in the same order, named as another implementation might name them."""
    return {f"net.p{i:03d}_{name.replace('.', '_')}": t for i, (name, t) in enumerate(state.items())}


def saved(state: dict[str, torch.Tensor], path: Path) -> Path:
    torch.save(state, path)
    return path


def test_renamed_checkpoint_loads_by_position_and_is_recorded(source, tmp_path):
    path = saved(renamed(source), tmp_path / "other.pth")
    loaded = load_backbone(TINY, weights=str(path), weights_map="order")
    assert loaded.num_classes == 7
    for name, tensor in source.items():
        assert torch.equal(loaded.model.state_dict()[name], tensor), name
    origin = loaded.origin
    assert origin["weights"] == str(path) and origin["sha256"] == sha256_file(path)
    record = origin["weights_map"]
    assert record["method"] == "order" and record["tensors"] == len(source)
    assert list(record["mapping"].items()) == list(zip(renamed(source), source))
    assert Path(record["converted"]).is_file() and sha256_file(path) in record["converted"]


def test_the_conversion_is_made_once(source, tmp_path, monkeypatch):
    path = saved(renamed(source), tmp_path / "once.pth")
    first = load_backbone(TINY, weights=str(path), weights_map="order")
    real = library_loading.load_state_dict_file

    def no_pth(file, *args, **kwargs):
        assert Path(file).suffix != ".pth", "the .pth file was read again instead of its cached conversion"
        return real(file, *args, **kwargs)

    monkeypatch.setattr(library_loading, "load_state_dict_file", no_pth)
    again = load_backbone(TINY, weights=str(path), weights_map="order")
    assert again.origin["weights_map"] == first.origin["weights_map"]
    for name, tensor in first.model.state_dict().items():
        assert torch.equal(again.model.state_dict()[name], tensor), name


def test_a_shape_mismatch_names_the_first_position(source, tmp_path):
    state = renamed(source)
    names = list(state)
    state[names[5]] = torch.zeros(3, 3)
    with pytest.raises(ModelError, match="does not map onto") as info:
        load_backbone(TINY, weights=str(saved(state, tmp_path / "bad.pth")), weights_map="order")
    message = one_line(info)
    assert "tensor 5" in message and names[5] in message and list(source)[5] in message
    assert "(3, 3)" in message and str(tuple(list(source.values())[5].shape)) in message


def test_a_tensor_count_mismatch_is_refused(source, tmp_path):
    state = dict(list(renamed(source).items())[:-3])
    with pytest.raises(ModelError, match="does not map onto") as info:
        load_backbone(TINY, weights=str(saved(state, tmp_path / "short.pth")), weights_map="order")
    message = one_line(info)
    assert f"holds {len(state)} tensors, the network {len(source)}" in message
    assert list(source)[len(state)] in message


def test_safetensors_files_cannot_be_mapped_by_position(source, tmp_path):
    path = tmp_path / "other.safetensors"
    save_file({k: v.contiguous() for k, v in renamed(source).items()}, str(path))
    with pytest.raises(ModelError, match="sorted by name") as info:
        load_backbone(TINY, weights=str(path), weights_map="order")
    assert ".pth" in one_line(info)


def test_without_a_weights_map_a_name_mismatch_suggests_one(source, tmp_path):
    path = saved(renamed(source), tmp_path / "other.pth")
    with pytest.raises(ModelError, match="does not fit") as info:
        load_backbone(TINY, weights=str(path))
    assert "--weights-map order" in one_line(info)
