"""Inputs predict cannot use: a corrupt image in a list gets its own error, a non-image file in a folder is counted."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.bad_files import truncated_jpeg
from transferkit import load

SRC = Path(__file__).resolve().parents[2] / "src"


def test_a_corrupt_image_in_a_list_gets_its_error_and_the_others_their_classes(folder_run, image_folder, tmp_path):
    good = sorted(image_folder.glob("*/*.png"))[:2]
    corrupt = truncated_jpeg(tmp_path / "corrupt.jpg")
    model = load(folder_run.dir)
    predictions = model.predict([good[0], corrupt, good[1]], top_k=2)
    assert len(predictions) == 3
    assert predictions[1].label is None and predictions[1].error and not predictions[1].ok
    assert [p.ok for p in (predictions[0], predictions[2])] == [True, True]
    assert [p.label for p in (predictions[0], predictions[2])] == [p.label for p in model.predict(good)]
    assert all(p.label in model.classes and len(p.top) == 2 for p in (predictions[0], predictions[2]))


@pytest.mark.integration
def test_predict_on_a_folder_says_how_many_files_it_skipped_and_why(folder_run, image_folder, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    for image in sorted(image_folder.glob("*/*.png"))[:2]:
        shutil.copy(image, folder / image.name)
    (folder / "notes.txt").write_text("taken on Monday\n")
    out = tmp_path / "p.csv"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-m", "transferkit", "predict", str(folder_run.dir), str(folder), "--out",
                           str(out), "--workers", "0"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    warning = [line for line in done.stderr.splitlines() if "Skipped" in line]
    assert len(warning) == 1, done.stderr
    assert "1 file without an image extension" in warning[0] and "notes.txt" in warning[0], warning[0]
    with open(out, newline="", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 2
