"""The command line: every command answers --help, bad input exits 2 with one line, nothing half-written."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch
from PIL import Image
from safetensors.torch import save_file
from typer.testing import CliRunner

from transferkit.cli import app
from support.assertions import assert_cli_error

runner = CliRunner()
COMMANDS = ["pretrain", "adapt", "stages", "strategies", "describe", "demo", "compare", "report", "models", "rank"]


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=True)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.output and len(result.output.splitlines()) > 3


def _image_folder(root, classes=("a", "b"), per_class=4):
    for c in classes:
        (root / c).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            Image.new("RGB", (12, 12), (30 * i, 100, 0)).save(root / c / f"{i}.png")
    return root


def _bad_inputs(tmp_path, tiny_model_dir):
    empty = tmp_path / "empty"
    empty.mkdir()
    no_images = _image_folder(tmp_path / "noimg")
    (no_images / "c").mkdir()
    single = _image_folder(tmp_path / "single", classes=("only",))
    csv_cols = tmp_path / "cols.csv"
    csv_cols.write_text("file,target\na.png,x\n")
    folder = _image_folder(tmp_path / "good")
    csv_missing = tmp_path / "missing.csv"
    csv_missing.write_text("path,label\ngood/a/0.png,a\ngood/a/nope.png,a\ngood/b/0.png,b\n")
    other_arch = tmp_path / "other.safetensors"
    save_file({"weight": torch.zeros(3, 3)}, str(other_arch))
    model = str(tiny_model_dir)
    return {
        "missing path": (["--model", model, "--data", str(tmp_path / "nope")], "does not exist"),
        "empty folder": (["--model", model, "--data", str(empty)], "empty"),
        "class without images": (["--model", model, "--data", str(no_images)], "'c'"),
        "one class": (["--model", model, "--data", str(single)], "2 classes"),
        "csv columns": (["--model", model, "--data", f"csv:{csv_cols}"], "path"),
        "csv missing file": (["--model", model, "--data", f"csv:{csv_missing}"], "nope.png"),
        "unknown strategy": (["--model", model, "--data", str(folder), "--strategy", "ful"], "Unknown strategy"),
        "malformed option": (["--model", model, "--data", str(folder), "--strategy", "partial:k"], "Malformed"),
        "unknown model": (["--model", "timm:resnt18", "--data", str(folder)], "resnet18"),
        "wrong weights": (["--model", "timm:resnet18", "--weights", str(other_arch), "--data", str(folder)], "does not fit"),
    }


BAD = ["missing path", "empty folder", "class without images", "one class", "csv columns", "csv missing file",
       "unknown strategy", "malformed option", "unknown model", "wrong weights"]


@pytest.mark.parametrize("case", BAD)
def test_bad_input_gets_one_line_and_exit_2(case, tmp_path, tiny_model_dir):
    args, words = _bad_inputs(tmp_path, tiny_model_dir)[case]
    out = tmp_path / "out" / "run"
    result = invoke("adapt", *args, "--out", str(out), "--epochs", "1")
    assert_cli_error(result, words)
    assert not out.exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_existing_run_directory_is_not_overwritten(tmp_path, tiny_model_dir):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = invoke("adapt", "--model", str(tiny_model_dir), "--data", "digits", "--out", str(out))
    assert result.exit_code == 2 and "--overwrite" in result.output
    assert (out / "keep.txt").read_text() == "mine"


@pytest.mark.integration
def test_end_to_end_cli_run(tmp_path, tiny_model_dir):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "transferkit", "adapt", "--model", str(tiny_model_dir), "--data", "digits",
           "--strategy", "partial:k=1", "--labels-per-class", "5", "--epochs", "1", "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "partial fine-tuning of the top 1 of 4 stages" in done.stdout
    record = json.loads((out / "run.json").read_text())
    assert record["term"] == "partial fine-tuning of the top 1 of 4 stages"
    described = invoke("describe", str(out))
    assert described.exit_code == 0 and record["term"] in described.output


def test_stages_and_strategies_tables(tiny_model_dir):
    result = invoke("stages", str(tiny_model_dir))
    assert result.exit_code == 0
    for stage in ("stem", "stage1", "stage4", "head"):
        assert stage in result.output
    listing = invoke("strategies")
    assert listing.exit_code == 0
    for name in ("scratch", "linear-probe", "partial", "full"):
        assert name in listing.output


def test_demo_long_with_text_is_refused_before_anything_runs(tmp_path):
    result = invoke("demo", "--text", "--long", "--out", str(tmp_path / "demo"))
    assert_cli_error(result, "--long")
    assert not (tmp_path / "demo").exists()


@pytest.mark.parametrize("long, glyphs, imagenet", [(False, 3, 3), (True, 12, 4)])
def test_the_demo_compares_its_short_list_unless_asked_for_the_long_one(long, glyphs, imagenet, tmp_path,
                                                                        monkeypatch):
    # the twelve-plan demo took 3 min 27 s with its cache on 2 cores, against a limit of 1 minute
    import transferkit.demo as demo
    from transferkit.settings.demo import DemoSettings

    asked = []
    monkeypatch.setattr(demo, "source_model", lambda progress=True: "unused")
    monkeypatch.setattr(demo, "load_model", lambda *args, **kwargs: None)
    monkeypatch.setattr(demo, "compare", lambda backbone, target, plans, **kwargs:
                        asked.append(list(plans)) or SimpleNamespace(dir=None))
    demo.run_demo(DemoSettings(out=tmp_path / "demo", long=long), progress=False)
    assert [len(plans) for plans in asked] == [glyphs, imagenet]
    assert {"linear-probe", "linear-probe:init=random", "partial"} <= set(asked[0]) & set(asked[1])
