"""`transferkit compare` from the command line: which runs keep their weights, and settings for every phase."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from transferkit.cli import app

TARGET = "synthetic:glyphs?classes=4&per_class=12&size=16"


def compare(tiny_model_dir, out, *extra: str):
    args = ["compare", "--model", str(tiny_model_dir), "--data", TARGET, "--out", str(out), "--strategies",
            "linear-probe,partial:k=1", "--seeds", "1", "--epochs", "1", "--lr-factors", "1", *extra]
    result = CliRunner().invoke(app, args, catch_exceptions=True)
    assert result.exit_code == 0, result.output
    return json.loads((out / "leaderboard.json").read_text())


@pytest.mark.integration
def test_keep_weights_none(tiny_model_dir, tmp_path):
    board = compare(tiny_model_dir, tmp_path / "cmp", "--keep-weights", "none")
    assert board["keep_weights"] == "none" and len(board["runs"]) == 2
    for run in board["runs"]:
        assert not (tmp_path / "cmp" / run["dir"] / "model.safetensors").is_file() and not run["weights"]
        assert (tmp_path / "cmp" / run["dir"] / "run.json").is_file()


def test_bad_keep_weights_is_one_line(tiny_model_dir, tmp_path):
    result = CliRunner().invoke(app, ["compare", "--model", str(tiny_model_dir), "--data", TARGET, "--out",
                                      str(tmp_path / "cmp"), "--keep-weights", "best"])
    assert result.exit_code == 2 and "--keep-weights must be one of" in result.output
    assert not (tmp_path / "cmp").exists()


@pytest.mark.integration
def test_settings_for_every_phase_are_recorded_and_all_weights_kept(tiny_model_dir, tmp_path):
    board = compare(tiny_model_dir, tmp_path / "cmp", "--lr", "0.02", "--batch-size", "8", "--augment", "light",
                    "--keep-weights", "all")
    assert {"epochs": 1, "lr": 0.02, "batch_size": 8, "augment": "light"}.items() <= board["spec"]["overrides"].items()
    assert board["keep_weights"] == "all"
    for run in board["runs"]:
        assert (tmp_path / "cmp" / run["dir"] / "model.safetensors").is_file() and run["weights"]
        record = json.loads((tmp_path / "cmp" / run["dir"] / "run.json").read_text())
        assert {(p["lr"], p["batch_size"], p["augment"]) for p in record["plan"]["definition"]["phases"]} == {
            (0.02, 8, "light")}


@pytest.mark.integration
def test_adapt_takes_the_same_settings_and_presets_take_them_as_options(tiny_model_dir, tmp_path):
    for name, extra in (("flags", ["--strategy", "lp-ft", "--batch-size", "8", "--augment", "light", "--lr", "0.02"]),
                        ("options", ["--strategy", "lp-ft:batch_size=8,augment=light,lr=0.02,probe_lr=0.02"])):
        result = CliRunner().invoke(app, ["adapt", "--model", str(tiny_model_dir), "--data", TARGET, "--epochs", "2",
                                          "--out", str(tmp_path / name), *extra])
        assert result.exit_code == 0, result.output
        record = json.loads((tmp_path / name / "run.json").read_text())
        assert [(p["lr"], p["batch_size"], p["augment"]) for p in record["plan"]["definition"]["phases"]] == [
            (0.02, 8, "light")] * 2


@pytest.mark.integration
def test_the_rule_and_margin_are_options_and_a_control_is_marked_from_its_record(tiny_model_dir, tmp_path):
    out = tmp_path / "cmp"
    args = ["compare", "--model", str(tiny_model_dir), "--data", TARGET, "--out", str(out), "--strategies",
            "linear-probe:init=random,linear-probe", "--seeds", "2", "--epochs", "1", "--lr-factors", "1",
            "--prefer", "best", "--margin", "0.5"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    board = json.loads((out / "leaderboard.json").read_text())
    assert board["selection"]["prefer"] == "best" and board["selection"]["margin"] == 0.005
    assert "--prefer best" in " ".join(result.output.split())
    rows = {r["plan"]: r for r in board["rows"]}
    assert rows["linear-probe:init=random"]["control"] and not rows["linear-probe"]["control"]
    assert board["winner"]["plan"] == "linear-probe" and board["power"]["seeds"] == 2
    for bad, flag in ((["--prefer", "cheapest"], "--prefer"), (["--margin", "-1"], "--margin")):
        wrong = CliRunner().invoke(app, ["compare", "--model", str(tiny_model_dir), "--data", TARGET, "--out",
                                         str(tmp_path / "x"), *bad])
        assert wrong.exit_code == 2 and flag in wrong.output and "Traceback" not in wrong.output
        assert len(wrong.output.strip().splitlines()) == 1 and not (tmp_path / "x").exists()
