"""run.json says whether the run trained on flipped images, and predict --tta follows what it says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "transferkit", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


@pytest.mark.integration
def test_a_run_without_augmentation_records_no_flips_and_tta_says_so(tiny_model_dir, image_folder, folder_run,
                                                                     tmp_path):
    done = cli("adapt", "--model", str(tiny_model_dir), "--data", str(image_folder), "--strategy", "linear-probe",
               "--augment", "none", "--epochs", "1", "--out", "plain", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "plain" / "run.json").read_text())["data"]
    assert data["horizontal_flip"] is False and data["flips_keep_labels"] is True
    flipped = json.loads((folder_run.dir / "run.json").read_text())["data"]  # augment: standard on a folder
    assert flipped["horizontal_flip"] is True

    image = str(next(image_folder.glob("*/*.png")))
    plain = cli("predict", "plain", image, "--tta", "--out", "a.csv", "--workers", "0", cwd=tmp_path)
    assert plain.returncode == 0 and "trained without horizontal flips" in plain.stderr, plain.stderr
