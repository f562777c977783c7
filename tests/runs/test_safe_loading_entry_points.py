"""Every command that reads weights or checkpoints refuses a pickle that would run code, and the code never runs.

(The bad-input corpus covers `adapt --weights` with a timm model, a model directory and `adapt --resume`; this
file covers the remaining entry points: torchvision weights, `stages --weights`, `reproduce` and the
checkpoint reader itself.)
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import torch
from support.tiny import TINY_ARCH
from support.bad_files import Payload, evil_pickle
from typer.testing import CliRunner

from transferkit.cli import app
from transferkit.engine.checkpoints.files import read_checkpoint
from transferkit.errors import RunError



def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=True)


def assert_refused(result, marker: Path, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    error = result.output.strip().splitlines()[-1]
    assert error.startswith("error:")
    for word in words:
        assert word in error, error
    assert not marker.exists(), "unpickling ran code"


def test_the_payload_really_runs_code_when_unpickled(tmp_path):
    """Proof that the files below are dangerous: a plain unpickler creates the marker."""
    marker = tmp_path / "proof"
    evil_pickle(tmp_path / "evil.pth", marker)
    torch.load(tmp_path / "evil.pth", weights_only=False)
    assert marker.exists()


def test_torchvision_weights(tmp_path):
    marker = tmp_path / "marker"
    weights = evil_pickle(tmp_path / "evil.pth", marker)
    result = invoke("adapt", "--model", "torchvision:resnet18", "--weights", weights, "--data", "digits",
                    "--out", tmp_path / "run")
    assert_refused(result, marker, "Refusing to unpickle", "safetensors")
    assert not (tmp_path / "run").exists()


def test_stages_with_weights(tmp_path):
    marker = tmp_path / "marker"
    weights = evil_pickle(tmp_path / "evil.pth", marker)
    assert_refused(invoke("stages", TINY_ARCH, "--weights", weights), marker, "Refusing to unpickle")


def test_reproduce_of_a_record_naming_a_malicious_weights_file(tmp_path):
    marker = tmp_path / "marker"
    weights = evil_pickle(tmp_path / "evil.pth", marker)
    run = tmp_path / "run"
    run.mkdir()
    record = {
        "seed": 0,
        "plan": {"definition": {"phases": [{"name": "probe", "epochs": 1, "train": ["head"]}]}},
        "source_model": {"spec": TINY_ARCH, "sha256": "0" * 64},
        "data": {"spec": "digits", "fingerprint": "0" * 64, "splits": {}},
        "spec": {"model": {"spec": TINY_ARCH, "weights": str(weights)}, "data": {"spec": "digits"}},
    }
    (run / "run.json").write_text(json.dumps(record))
    assert_refused(invoke("reproduce", run, "--out", tmp_path / "again"), marker, "Refusing to unpickle")
    assert not (tmp_path / "again").exists()


@pytest.mark.parametrize("name", ["checkpoint.safetensors", "checkpoint.pth"])
@pytest.mark.parametrize("kind", ["torch.save", "pickle"])
def test_checkpoint_reader_never_unpickles(tmp_path, name, kind):
    marker = tmp_path / "marker"
    path = tmp_path / name
    if kind == "torch.save":
        evil_pickle(path, marker)
    else:
        path.write_bytes(pickle.dumps({"model": Payload(str(marker))}))
    with pytest.raises(RunError, match="damaged or not a transferkit checkpoint") as info:
        read_checkpoint(path)
    assert "\n" not in str(info.value)
    assert not marker.exists()
