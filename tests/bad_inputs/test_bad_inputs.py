"""The bad-input corpus (cases and outcomes in corpus.py) through the real CLI, in-process; two cases also in a
real subprocess, to prove that no traceback reaches stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.tiny import TINY_ARCH
from corpus import CASES, Case, Context
from typer.testing import CliRunner

from transferkit.cli import app

BY_NAME = {case.name: case for case in CASES}
SRC = Path(__file__).resolve().parents[2] / "src"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=True)


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


@pytest.fixture
def context(tmp_path, tiny_model_dir, monkeypatch) -> Context:
    root = tmp_path / "input"
    root.mkdir()
    return Context(root=root, out=tmp_path / "runs" / "run", model=str(tiny_model_dir), arch=TINY_ARCH,
                   monkeypatch=monkeypatch, runner=invoke)


def test_corpus_is_large_and_covers_every_outcome():
    assert len(CASES) >= 30 and len(BY_NAME) == len(CASES)
    assert {case.outcome for case in CASES} == {"error", "skip", "accepted"}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_input(case: Case, context: Context):
    args = case.build(context)
    out = context.out
    before = listing(out.parent)
    result = invoke(*args)
    output = result.output
    assert "Traceback" not in output, output
    record = None
    if case.outcome == "error":
        assert result.exit_code == 2, output
        lines = [line for line in output.strip().splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error:")]
        assert len(errors) == 1 and errors[0] == lines[-1], output
        for word in case.words:
            assert word in errors[0], errors[0]
        left = listing(out.parent) - before
        assert left <= set(case.keeps), f"left behind: {left}"
        if out.name not in case.keeps:
            assert not out.exists()
    else:
        assert result.exit_code == 0, output
        for word in case.words:
            assert word in output, output
        record = json.loads((out / "run.json").read_text(encoding="utf-8"))
        assert record["data"]["num_skipped"] == case.skipped == len(record["data"]["skipped"])
        assert listing(out.parent) - before == {out.name}  # no staging directory or temporary file left
        assert "checkpoint.safetensors" not in listing(out)
        if case.skipped:
            assert output.count("Left out") == 1
    for marker in case.markers:
        assert not (context.root / marker).exists(), "unpickling or YAML construction ran code"
    if case.check is not None:
        case.check(context, record)


@pytest.mark.integration
@pytest.mark.parametrize("name", ["weights-malicious-pickle", "csv-label-not-in-class-list"])
def test_no_traceback_reaches_stderr_of_a_real_process(name, context):
    args = BY_NAME[name].build(context)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "transferkit", *args], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and errors[0] == lines[-1], done.stderr  # log lines may come before it
    for word in BY_NAME[name].words:
        assert word in errors[0]
    assert not context.out.exists() and not (context.root / "marker").exists()
