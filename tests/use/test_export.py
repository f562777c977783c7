"""export: ONNX, TorchScript and safetensors files whose logits match the PyTorch model's, with metadata that alone
is enough to use them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from folder_data import split_files
from support.assertions import assert_cli_error
from transferkit import export, load
from transferkit.cli import app
from transferkit.errors import RunError
from transferkit.use.export_formats import FORMATS

runner = CliRunner()
CONSUMER = Path(__file__).with_name("consumer.py")


@pytest.mark.parametrize("fmt", ["onnx", "torchscript", "safetensors"])
def test_export_round_trips_below_the_tolerance(folder_run, tmp_path, fmt):
    out = tmp_path / f"model.{fmt}"
    result = export(folder_run.dir, fmt, out)
    assert result.path == out and out.is_file()
    meta = json.loads((tmp_path / f"model.{fmt}.json").read_text())
    assert meta["classes"] == folder_run.record["data"]["classes"]
    assert meta["parity"]["max_abs_logit_diff"] == result.max_abs_diff < 1e-4
    assert meta["parity"]["images"] == result.images == folder_run.record["data"]["splits"]["test"]["images"]
    print(f"{fmt}: max abs logit difference {result.max_abs_diff:.3e} on {result.images} images")
    if fmt == "onnx":
        import onnx
        import onnxruntime

        assert meta["opset"] == next(o.version for o in onnx.load(str(out)).opset_import if o.domain == "")
        session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        for n in (1, 7):  # the batch axis is dynamic
            x = torch.randn(n, *meta["input"]["shape"][1:])
            (logits,) = session.run(None, {"input": x.numpy()})
            with torch.no_grad():
                assert (torch.from_numpy(logits) - load(folder_run.dir).model(x)).abs().max() < 1e-4


@pytest.mark.integration
def test_the_exported_files_alone_are_enough_to_use_the_model(folder_run, image_folder, tmp_path):
    images = [str(p) for p, _ in split_files(image_folder)][:8]
    expected = load(folder_run.dir).predict(images)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for fmt in ("onnx", "torchscript"):
        out = tmp_path / f"model.{fmt}"
        export(folder_run.dir, fmt, out)
        done = subprocess.run([sys.executable, str(CONSUMER), str(out), *images], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout)
        assert answer["transferkit_imported"] is False
        assert answer["labels"] == [p.label for p in expected]
        assert max(abs(a - p.probability) for a, p in zip(answer["probabilities"], expected)) < 1e-5


def test_an_export_above_the_tolerance_writes_nothing(folder_run, tmp_path, monkeypatch):
    onnx_format = FORMATS["onnx"]
    real = onnx_format.reload
    monkeypatch.setattr(onnx_format, "reload", lambda *a: (lambda x, run=real(*a): run(x) + 1e-3))
    out = tmp_path / "model.onnx"
    with pytest.raises(RunError, match="differ from the PyTorch model's by up to 0.001"):
        export(folder_run.dir, "onnx", out)
    assert list(tmp_path.iterdir()) == []


def test_export_command_and_its_errors(folder_run, image_folder, tmp_path):
    out = tmp_path / "m.onnx"
    result = runner.invoke(app, ["export", str(folder_run.dir), "--format", "onnx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Largest absolute logit difference" in result.output and out.is_file()
    assert_cli_error(runner.invoke(app, ["export", str(folder_run.dir), "--format", "onnx", "--out", str(out)]),
                     "already exists", "--overwrite")
    assert_cli_error(runner.invoke(app, ["export", str(folder_run.dir), "--format", "tflite", "--out",
                                         str(tmp_path / "m.tflite")]), "must be one of", "onnx")

    # a run whose data moved: the check needs images, given with --images
    moved = tmp_path / "moved-run"
    moved.mkdir()
    for name in ("model.json", "model.safetensors"):
        (moved / name).write_bytes((folder_run.dir / name).read_bytes())
    record = json.loads((folder_run.dir / "run.json").read_text())
    record["spec"]["data"]["spec"] = str(tmp_path / "gone")
    (moved / "run.json").write_text(json.dumps(record))
    target = tmp_path / "m.pt"
    assert_cli_error(runner.invoke(app, ["export", str(moved), "--format", "torchscript", "--out", str(target)]),
                     "--images")
    assert not target.exists()
    result = runner.invoke(app, ["export", str(moved), "--format", "torchscript", "--out", str(target), "--images",
                                 str(image_folder / "glyph000")])
    assert result.exit_code == 0, result.output
    assert json.loads(Path(str(target) + ".json").read_text())["parity"]["images"] == 30
