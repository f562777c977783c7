"""Safe weights reading: safetensors or weights_only torch.load; malicious pickles are refused."""

from __future__ import annotations

import hashlib
import pickle

import pytest
import torch
from safetensors.torch import save_file

from transferkit.errors import ModelError
from transferkit.models import load_state_dict_file, sha256_file


class Payload:
    """Unpickling this opens (creates) the marker file: stands in for arbitrary code."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def tensors() -> dict[str, torch.Tensor]:
    return {"a.weight": torch.arange(6.0).reshape(2, 3), "a.bias": torch.zeros(2)}


def test_safetensors_and_pth_give_the_same_tensors(tmp_path):
    save_file(tensors(), tmp_path / "w.safetensors")
    torch.save(tensors(), tmp_path / "w.pth")
    for name in ("w.safetensors", "w.pth"):
        state = load_state_dict_file(tmp_path / name)
        assert set(state) == set(tensors())
        for k, v in tensors().items():
            assert torch.equal(state[k], v)


@pytest.mark.parametrize("wrapper", ["state_dict", "model", "state_dict_ema"])
def test_checkpoint_wrappers_and_ddp_prefix_are_removed(tmp_path, wrapper):
    torch.save({wrapper: {f"module.{k}": v for k, v in tensors().items()}, "epoch": 3}, tmp_path / "c.pth")
    assert set(load_state_dict_file(tmp_path / "c.pth")) == {"a.weight", "a.bias"}


def test_malicious_pickle_is_refused_and_never_runs(tmp_path):
    # The payload really runs under a plain unpickler: proof that the refusal below is what protects us.
    proof = tmp_path / "proof_marker"
    torch.save({"w": Payload(str(proof))}, tmp_path / "proof.pth")
    torch.load(tmp_path / "proof.pth", weights_only=False)
    assert proof.exists()

    for saver in ("torch", "pickle"):
        marker = tmp_path / f"marker_{saver}"
        path = tmp_path / f"evil_{saver}.pth"
        if saver == "torch":
            torch.save({"w": Payload(str(marker))}, path)
        else:
            path.write_bytes(pickle.dumps({"w": Payload(str(marker))}))
        with pytest.raises(ModelError, match="Refusing to unpickle") as info:
            load_state_dict_file(path)
        message = str(info.value)
        assert "\n" not in message and ".safetensors" in message and "weights_only=False" in message
        assert not marker.exists()


def test_pickled_module_is_refused(tmp_path):
    torch.save(torch.nn.Linear(2, 2), tmp_path / "whole.pt")
    with pytest.raises(ModelError, match="Refusing to unpickle"):
        load_state_dict_file(tmp_path / "whole.pt")


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("junk.pth", b"hello, this is not a checkpoint", "not a PyTorch weights file"),
        ("junk.safetensors", b"\x00" * 3, "not a valid safetensors file"),
    ],
)
def test_unreadable_files(tmp_path, name, content, match):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ModelError, match=match) as info:
        load_state_dict_file(tmp_path / name)
    assert "\n" not in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        load_state_dict_file(tmp_path / "nope.safetensors")
    with pytest.raises(ModelError, match="not a file"):
        load_state_dict_file(tmp_path)


def test_non_state_dict_contents_are_refused(tmp_path):
    torch.save([torch.zeros(1)], tmp_path / "list.pth")
    with pytest.raises(ModelError, match="no state dict"):
        load_state_dict_file(tmp_path / "list.pth")
    torch.save({"a": torch.zeros(1), "epoch": 3}, tmp_path / "mixed.pth")
    with pytest.raises(ModelError, match="'epoch'"):
        load_state_dict_file(tmp_path / "mixed.pth")


def test_sha256_file(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"transferkit")
    assert sha256_file(path) == hashlib.sha256(b"transferkit").hexdigest()
