"""Ctrl-C during a run: the message says where the checkpoint is and how to continue (exit code 130)."""

from __future__ import annotations

import importlib

from typer.testing import CliRunner

import transferkit.engine.checkpoints.resume as resume_module
from transferkit.cli import app
from transferkit.engine.checkpoints.files import write_checkpoint

TARGET = "synthetic:glyphs?classes=4&per_class=12&size=16"


def adapt(tiny_model_dir, out):
    args = ["adapt", "--model", str(tiny_model_dir), "--data", TARGET, "--strategy", "full:epochs=3", "--out", str(out)]
    return CliRunner().invoke(app, args, catch_exceptions=True)


def test_ctrl_c_after_a_checkpoint_says_where_it_is_and_how_to_continue(tiny_model_dir, tmp_path, monkeypatch):
    def stop_after_writing(*args, **kwargs):
        write_checkpoint(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(resume_module, "write_checkpoint", stop_after_writing)
    result = adapt(tiny_model_dir, tmp_path / "run")
    assert result.exit_code == 130 and "Traceback" not in result.output
    line = result.output.strip().splitlines()[-1]
    checkpoint = tmp_path / ".run.partial" / "checkpoint.safetensors"
    assert line.startswith("interrupted: stopped in phase 1 'fine-tune all' after 1 epoch;"), result.output
    assert f"'{checkpoint}'" in result.output.replace("\n", "") and checkpoint.is_file()
    assert "the same command plus --resume" in line
    monkeypatch.undo()
    resumed = adapt(tiny_model_dir, tmp_path / "run")
    assert resumed.exit_code == 2 and "--resume" in resumed.output  # a new run does not discard it silently


def test_ctrl_c_before_the_first_checkpoint_says_nothing_is_kept(tiny_model_dir, tmp_path, monkeypatch):
    phase_exec = importlib.import_module("transferkit.engine.phase_exec")

    def stop(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(phase_exec, "train_epoch", stop)
    result = adapt(tiny_model_dir, tmp_path / "run")
    assert result.exit_code == 130
    assert result.output.strip().splitlines()[-1] == ("interrupted: stopped before the first checkpoint, so nothing is "
                                                      "kept; run the same command again to start over.")
    assert list(tmp_path.iterdir()) == []
