"""Starting fast: --help of every command, a bad option and `describe RUN` import no heavy library (torch, timm,
matplotlib, ...), which is what makes a command take seconds before it does anything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = ("torch", "timm", "transformers", "matplotlib", "sklearn", "datasets", "accelerate", "peft", "onnx")

CODE = """
import json, sys
sys.path.insert(0, {src!r})
from typer.testing import CliRunner
from transferkit.cli import app
runner = CliRunner()
names = [c.name or c.callback.__name__ for c in app.registered_commands]
codes = {{}}
for name in names:
    codes[name + " --help"] = runner.invoke(app, [name, "--help"]).exit_code
    codes[name + " --no-such-option"] = runner.invoke(app, [name, "--no-such-option"]).exit_code
describe = runner.invoke(app, ["describe", {run!r}])
codes["describe RUN"] = describe.exit_code
print(json.dumps({{"codes": codes, "term": {run!r} and describe.output,
                  "heavy": sorted(m for m in {heavy!r} if m in sys.modules)}}))
"""


@pytest.mark.integration
def test_help_bad_options_and_describe_import_no_heavy_library(tiny_comparison):
    run = str(tiny_comparison.dir / tiny_comparison.runs[0]["dir"])
    done = subprocess.run([sys.executable, "-c", CODE.format(src=str(SRC), run=run, heavy=HEAVY)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    codes = found["codes"]
    assert len(codes) >= 2 * 12 + 1, codes
    assert all(code == 0 for name, code in codes.items() if name.endswith("--help")), codes
    assert all(code == 2 for name, code in codes.items() if name.endswith("--no-such-option")), codes
    assert codes["describe RUN"] == 0 and "term:" in found["term"] and "description:" in found["term"], found
    assert found["heavy"] == [], found["heavy"]
