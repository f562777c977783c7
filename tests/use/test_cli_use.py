"""The commands for using a model: help, and a run directory whose weights are a pickle is refused unread."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from support.assertions import assert_cli_error
from support.bad_files import evil_pickle
from transferkit.cli import app

runner = CliRunner()


@pytest.mark.parametrize("command", ["predict", "evaluate", "export"])
def test_every_command_has_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output and "run directory" in result.output


def test_a_pickled_model_is_never_unpickled(folder_run, image_folder, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(folder_run.dir, run)
    marker = tmp_path / "marker"
    evil_pickle(run / "model.safetensors", marker)
    image = str(next(image_folder.glob("*/*.png")))
    for args in (["predict", str(run), image, "--out", str(tmp_path / "p.csv")],
                 ["evaluate", str(run), "--data", str(image_folder)],
                 ["export", str(run), "--format", "onnx", "--out", str(tmp_path / "m.onnx")]):
        assert_cli_error(runner.invoke(app, args), "model.safetensors")
        assert not marker.exists(), "unpickling ran code"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
