"""--randaugment, --random-erasing, --mixup and --cutmix on adapt and compare: documented, recorded, checked."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from transferkit.cli import app
from support.assertions import assert_cli_error

runner = CliRunner()
OPTIONS = ["--randaugment", "--random-erasing", "--mixup", "--cutmix"]


@pytest.mark.parametrize("command", ["adapt", "compare"])
def test_help_lists_the_augmentation_options(command):
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in OPTIONS:
        assert option in result.output
    assert "timm" in result.output and "rand-m9-mstd0.5" in result.output


def test_adapt_trains_with_the_options_and_records_them(tiny_model_dir, tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(app, ["adapt", "--model", str(tiny_model_dir), "--data", "digits", "--labels-per-class", "5",
                                 "--strategy", "partial:k=1", "--epochs", "1", "--out", str(out),
                                 "--randaugment", "rand-m9-mstd0.5", "--random-erasing", "0.25", "--mixup", "0.2",
                                 "--cutmix", "1"])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "run.json").read_text())
    expected = {"randaugment": "rand-m9-mstd0.5", "random_erasing": 0.25, "mixup": 0.2, "cutmix": 1.0}
    assert {k: record["spec"]["overrides"][k] for k in expected} == expected
    assert {k: record["plan"]["phases"][0][k] for k in expected} == expected


@pytest.mark.parametrize("args, words", [
    (["--mixup", "-1"], ["--mixup", "at least 0"]),
    (["--cutmix", "-0.5"], ["--cutmix", "at least 0"]),
    (["--random-erasing", "1.5"], ["--random-erasing", "at most 1"]),
    (["--randaugment", "rand-q5"], ["--randaugment", "'q5'", "rand-m9-mstd0.5"]),
    (["--mixup", "0.2", "--class-weights", "balanced"], ["class_weights", "not both"]),
])
@pytest.mark.parametrize("command", ["adapt", "compare"])
def test_bad_augmentation_options_exit_2_with_one_line(command, args, words, tiny_model_dir, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, [command, "--model", str(tiny_model_dir), "--data", "digits", "--out", str(out),
                                 "--epochs", "1", *args])
    assert_cli_error(result, *words)
    assert not out.exists()
