"""A run launched as several processes stops at once with one line saying so, and writes nothing."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from support.assertions import assert_cli_error
from transferkit.cli import app


@pytest.mark.parametrize("command", ["adapt", "pretrain", "compare"])
def test_a_multi_process_launch_is_a_one_line_error(tiny_model_dir, tmp_path, monkeypatch, command):
    monkeypatch.setenv("WORLD_SIZE", "2")
    out = tmp_path / "out"
    args = [command, "--data", "digits", "--out", str(out)]
    if command != "pretrain":
        args += ["--model", str(tiny_model_dir)]
    result = CliRunner().invoke(app, args)
    assert_cli_error(result, "launched as 2 processes")
    assert not out.exists() and not (tmp_path / ".out.partial").exists()
