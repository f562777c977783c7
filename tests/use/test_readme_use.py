"""README's "Use the model" section runs as written: every command, then the Python example."""

from __future__ import annotations

import csv
import json
import re
import shlex
import shutil
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from transferkit.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"


def section_blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Use the model\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.DOTALL)


def test_the_use_section_runs_as_written(folder_run, image_folder, tmp_path, monkeypatch):
    shutil.copytree(folder_run.dir, tmp_path / "runs" / "p2")
    shutil.copytree(image_folder, tmp_path / "path" / "to" / "new-test-set")
    (tmp_path / "photos").mkdir()
    for i, path in enumerate(sorted(image_folder.glob("*/*.png"))[::10]):
        Image.open(path).convert("RGB").save(tmp_path / "photos" / f"{i}.jpg", quality=95)
    shutil.copy(tmp_path / "photos" / "0.jpg", tmp_path / "a.jpg")
    monkeypatch.chdir(tmp_path)

    (commands,) = section_blocks("bash")
    lines = [line for line in commands.splitlines() if line.strip()]
    assert len(lines) == 5
    runner = CliRunner()
    for line in lines:
        program, *args = shlex.split(line)
        assert program == "transferkit"
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"{line}\n{result.output}"
    photos = len(list((tmp_path / "photos").iterdir()))
    for name in ("predictions.csv", "predictions-tta.csv"):
        with open(tmp_path / name, newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == photos and all(r["prediction"] and not r["error"] for r in rows)
    assert "probability_3" in rows[0] and "probability_4" not in rows[0]
    assert json.loads((tmp_path / "p2-on-new-test-set" / "evaluation.json").read_text())["metrics"]["images"] == 120
    for name in ("p2.onnx", "p2.pt"):
        meta = json.loads((tmp_path / f"{name}.json").read_text())
        assert meta["parity"]["max_abs_logit_diff"] < 1e-4

    (example,) = section_blocks("python")
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)  # noqa: S102 - the README's own example
    assert namespace["model"].classes == folder_run.record["data"]["classes"]
    assert tuple(namespace["logits"].shape) == (1, len(namespace["model"].classes))
