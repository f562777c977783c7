"""The same command twice gives identical metrics and weights (CPU); `reproduce` re-runs from run.json, verifies
the source model and the data first, and says whether metrics and weights match."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from PIL import Image
from safetensors.torch import load_file, save_file
from typer.testing import CliRunner

from transferkit.cli import app
from transferkit.models import sha256_file
from transferkit.models.integrity import SHA256_KEY

PLAN = """\
phases:
- {name: probe, epochs: 1, train: [head], lr: 0.01, standardize_features: true}
- {name: all, epochs: 1, train: [all], lr: 0.001, batch_size: 4}
"""


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=True)


def same_weights(a, b) -> bool:
    x, y = load_file(str(a / "model.safetensors")), load_file(str(b / "model.safetensors"))
    return x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)


def image_folder(root):
    for c, name in enumerate(("cat", "dog")):
        (root / name).mkdir(parents=True)
        for i in range(6):
            Image.new("RGB", (10, 10), (40 * i, 120 * c, 90)).save(root / name / f"{i}.png")
    return root


@pytest.fixture(scope="module")
def original(tiny_model_dir, tmp_path_factory):
    """Two runs of the same command (seed 3, two phases, an image folder) and the folder they used."""
    root = tmp_path_factory.mktemp("reproduce")
    plan = root / "plan.yaml"
    plan.write_text(PLAN)
    data = image_folder(root / "pets")
    runs = []
    for name in ("first", "second"):
        result = invoke("adapt", "--model", tiny_model_dir, "--data", data, "--strategy", plan, "--seed", "3",
                        "--device", "cpu", "--out", root / name)
        assert result.exit_code == 0, result.output
        runs.append(root / name)
    return root, runs, data


@pytest.mark.integration
def test_the_same_command_twice_gives_identical_metrics_and_weights(original):
    _, (first, second), _ = original
    a, b = (json.loads((run / "run.json").read_text()) for run in (first, second))
    assert a["metrics"] == b["metrics"] and a["history"][0]["train_loss"] == b["history"][0]["train_loss"]
    assert same_weights(first, second)
    assert a["spec"]["seed"] == 3 and a["spec"]["data"]["spec"].endswith("pets")


def test_reproduce_says_identical(original, tmp_path):
    _, (first, _), _ = original
    result = invoke("reproduce", first, "--out", tmp_path / "again")
    assert result.exit_code == 0, result.output
    assert "metrics identical, weights identical" in result.output
    record = json.loads((tmp_path / "again" / "run.json").read_text())
    assert record["reproduction"] == {"of": str(first), "metrics_match": True, "weights_match": True,
                                      "differences": []}
    assert record["metrics"] == json.loads((first / "run.json").read_text())["metrics"]
    assert same_weights(first, tmp_path / "again")


def test_reproduce_reports_a_difference_with_exit_status_1(original, tmp_path):
    _, (first, _), _ = original
    edited = tmp_path / "edited"
    shutil.copytree(first, edited)
    record = json.loads((edited / "run.json").read_text())
    record["metrics"]["val"]["accuracy"] = 0.123
    (edited / "run.json").write_text(json.dumps(record))
    weights = load_file(str(edited / "model.safetensors"))
    weights["fc.bias"] = weights["fc.bias"] + 1e-3
    save_file(weights, str(edited / "model.safetensors"))
    result = invoke("reproduce", edited, "--out", tmp_path / "again")
    assert result.exit_code == 1, result.output
    assert "metrics different, weights different" in result.output
    assert "val accuracy" in result.output and "0.123 in run.json" in result.output
    assert "weights differ in 1 of" in result.output


def test_reproduce_refuses_other_data_and_other_weights(original, tmp_path):
    root, (first, _), data = original
    moved = shutil.copytree(data, tmp_path / "moved")
    result = invoke("reproduce", first, "--data", moved, "--out", tmp_path / "same-data-moved")
    assert result.exit_code == 0 and "metrics identical, weights identical" in result.output

    Image.new("RGB", (10, 10), (1, 2, 3)).save(moved / "cat" / "0.png")  # one image changed
    result = invoke("reproduce", first, "--data", moved, "--out", tmp_path / "changed")
    assert result.exit_code == 2 and "differs from the data the run used" in result.output
    assert not (tmp_path / "changed").exists()

    model = shutil.copytree(json.loads((first / "run.json").read_text())["source_model"]["spec"], tmp_path / "model")
    weights = load_file(str(model / "model.safetensors"))
    weights["fc.bias"] = weights["fc.bias"] + 1
    save_file(weights, str(model / "model.safetensors"))
    meta = json.loads((model / "model.json").read_text())  # another model directory, consistent in itself
    meta[SHA256_KEY] = sha256_file(model / "model.safetensors")
    (model / "model.json").write_text(json.dumps(meta))
    result = invoke("reproduce", first, "--model", model, "--out", tmp_path / "other-model")
    assert result.exit_code == 2 and "is not the one the run used" in result.output
    assert not (tmp_path / "other-model").exists()


def test_reproduce_refuses_a_damaged_record(tmp_path):
    (tmp_path / "run").mkdir()
    result = invoke("reproduce", tmp_path / "run", "--out", tmp_path / "again")
    assert result.exit_code == 2 and "does not exist" in result.output
    (tmp_path / "run" / "run.json").write_text(json.dumps({"seed": 0, "plan": {}}))
    result = invoke("reproduce", tmp_path / "run", "--out", tmp_path / "again")
    assert result.exit_code == 2 and "lacks 'definition'" in result.output
    assert not (tmp_path / "again").exists()


def test_reproduce_from_another_working_directory(tiny_model_dir, tmp_path, monkeypatch):
    """The data was given relative to where the run started; reproduce runs from elsewhere."""
    image_folder(tmp_path / "project" / "pets")
    monkeypatch.chdir(tmp_path / "project")
    result = invoke("adapt", "--model", tiny_model_dir, "--data", "pets", "--epochs", "1", "--device", "cpu",
                    "--out", "run")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "project" / "run" / "run.json").read_text())["data"]
    assert data["spec"] == "pets" and data["resolved_spec"] == str(tmp_path / "project" / "pets")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    result = invoke("reproduce", tmp_path / "project" / "run", "--out", "again")
    assert result.exit_code == 0, result.output
    assert "metrics identical, weights identical" in result.output
    assert (tmp_path / "elsewhere" / "again" / "run.json").is_file()
