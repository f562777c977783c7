"""diagnose with an ImageNet network and no source data: what the target alone says, the rest marked not measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from transferkit.data import open_source

SRC = Path(__file__).resolve().parents[2] / "src"


def _folder(root: Path) -> Path:
    """Glyph images under three class names, two of them ImageNet classes ('goldfish', 'sandal')."""
    source = open_source("synthetic:glyphs?classes=3&per_class=8&size=16", progress=False)
    names = ["goldfish", "sandal", "my-widget"]
    for i, (image, label) in enumerate(zip(source.images, source.labels)):
        folder = root / names[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{i:03d}.png")
    return root


@pytest.mark.integration
def test_an_imagenet_network_is_diagnosed_without_its_source(tmp_path):
    data = _folder(tmp_path / "mine")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-m", "transferkit", "diagnose", "--model", "timm:tf_efficientnet_lite0",
                           "--data", str(data), "--input-size", "32", "--out", "diag"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "diag" / "diagnosis.json").read_text())
    assert record["model"]["preprocessing"]["input_size"] == [3, 32, 32]
    assert record["source"]["from"] == "none" and "proxy A-distance" in record["source"]["not_measured"]
    assert "--source" in record["source"]["why"]
    stages = record["stages"]
    assert [s["stage"] for s in stages] == ["stem"] + [f"stage{i}" for i in range(1, 8)]
    assert all(s["proxy_a_distance"] is None and s["mmd"] is None for s in stages)
    assert all(0.0 <= s["probe_accuracy"] <= 1.0 for s in stages)
    assert isinstance(record["logme"], float)
    label = record["label_space"]
    assert label["shared"] == ["goldfish", "sandal"] and label["target_classes"] == 3
    assert record["target"]["class_balance"]["counts"] == {"goldfish": 8, "my-widget": 8, "sandal": 8}
    assert record["verdict"]["kind"] == "not measured" and record["verdict"]["strategies"]
    assert "Not measured: proxy A-distance" in done.stdout and "2 of 3 target classes" in done.stdout
    assert (tmp_path / "diag" / "diagnosis.html").is_file()
