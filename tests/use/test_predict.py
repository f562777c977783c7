"""predict: one CSV row per input image; on a run's own test images it reproduces the recorded test accuracy."""

from __future__ import annotations

import csv

import torch
from typer.testing import CliRunner

from folder_data import split_files, write_path_list
from support.assertions import assert_cli_error
from transferkit import load
from transferkit.cli import app

runner = CliRunner()


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_predict_on_the_test_split_reproduces_the_test_accuracy(folder_run, image_folder, tmp_path):
    test = split_files(image_folder)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really an image")
    listing = write_path_list(tmp_path / "test.csv", [p for p, _ in test] + [broken])
    out = tmp_path / "predictions.csv"
    result = runner.invoke(app, ["predict", str(folder_run.dir), str(listing), "--out", str(out), "--top-k", "3",
                                 "--workers", "2", "--batch-size", "5"])
    assert result.exit_code == 0, result.output
    rows = read_rows(out)
    assert len(rows) == len(test) + 1
    assert [r["path"] for r in rows] == [str(p) for p, _ in test] + [str(broken)]
    *good, bad = rows
    assert bad["error"] and not bad["prediction"]
    assert all(not r["error"] for r in good)
    correct = sum(r["prediction"] == label for r, (_, label) in zip(good, test))
    assert correct / len(test) == folder_run.test_accuracy
    first = good[0]
    assert first["class_1"] == first["prediction"] and first["probability_1"] == first["probability"]
    assert float(first["probability_1"]) >= float(first["probability_2"]) >= float(first["probability_3"])
    assert "1 unreadable" in result.output


def test_load_gives_a_plain_module_with_its_preprocessing(folder_run, image_folder):
    loaded = load(folder_run.dir)
    assert loaded.classes == folder_run.record["data"]["classes"]
    assert all(not type(m).__module__.startswith("transferkit") for m in loaded.model.modules())
    paths = [p for p, _ in split_files(image_folder)][:6]
    predictions = loaded.predict(paths, top_k=2)
    batch = torch.stack([loaded.transform(p) for p in paths])
    assert batch.shape == (6, *folder_run.record["preprocessing"]["input_size"])
    with torch.no_grad():
        probs = loaded.model(batch).softmax(1)
    for p, row in zip(predictions, probs):
        assert p.label == loaded.classes[int(row.argmax())]
        assert abs(p.probability - float(row.max())) < 1e-6 and len(p.top) == 2
    # PIL images and uint8 tensors give the same answers as the files
    from PIL import Image

    again = loaded.predict([Image.open(paths[0]), loaded.transform.resized(paths[1])], top_k=2)
    assert [a.label for a in again] == [p.label for p in predictions[:2]]


def test_tta_averages_with_the_flip_only_where_the_run_flipped(folder_run, tiny_model_dir, image_folder, tmp_path):
    paths = [p for p, _ in split_files(image_folder)][:4]
    loaded = load(folder_run.dir)
    images = torch.stack([loaded.transform.resized(p) for p in paths])
    plain, flipped = loaded.probabilities(images), loaded.probabilities(images.flip(-1))
    with_tta = loaded.predict(paths, tta=True)
    for p, a, b in zip(with_tta, plain, flipped):
        assert abs(p.probability - float(((a + b) / 2).max())) < 1e-6
    result = runner.invoke(app, ["predict", str(folder_run.dir), *map(str, paths), "--tta", "--out",
                                 str(tmp_path / "a.csv")])
    assert result.exit_code == 0 and "averaged with its horizontal flip" in result.output

    # the source model trained without flips: no test-time flips, and the output says so
    result = runner.invoke(app, ["predict", str(tiny_model_dir), *map(str, paths), "--tta", "--out",
                                 str(tmp_path / "b.csv"), "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert "not applied" in result.output and "no test-time augmentation" in result.output
    rows = read_rows(tmp_path / "b.csv")
    assert len(rows) == 4 and all(r["prediction"].startswith("glyph") for r in rows)


def test_folders_and_patterns_expand_to_every_image(folder_run, image_folder, tmp_path):
    out = tmp_path / "all.csv"
    result = runner.invoke(app, ["predict", str(folder_run.dir), str(image_folder / "glyph001"),
                                 str(image_folder / "*" / "00[0-4].png"), "--out", str(out), "--workers", "0"])
    assert result.exit_code == 0, result.output
    rows = read_rows(out)
    in_class = sorted((image_folder / "glyph001").iterdir())
    matched = sorted(image_folder.glob("*/00[0-4].png"))
    assert [r["path"] for r in rows] == [str(p) for p in in_class] + [str(p) for p in matched]
    missing = tmp_path / "nowhere.png"
    result = runner.invoke(app, ["predict", str(folder_run.dir), str(missing), "--out", str(tmp_path / "m.csv")])
    assert result.exit_code == 0 and read_rows(tmp_path / "m.csv")[0]["error"].startswith("file not found")


def test_bad_requests_are_one_line_errors_and_write_nothing(folder_run, tmp_path):
    out = tmp_path / "p.csv"
    assert_cli_error(runner.invoke(app, ["predict", str(folder_run.dir), str(tmp_path / "*.jpg"), "--out", str(out)]),
                     "matches no files")
    assert_cli_error(runner.invoke(app, ["predict", str(tmp_path / "no-run"), "x.png", "--out", str(out)]),
                     "does not exist")
    assert not out.exists()
    out.write_text("kept\n")
    assert_cli_error(runner.invoke(app, ["predict", str(folder_run.dir), "x.png", "--out", str(out)]),
                     "already exists", "--overwrite")
    assert out.read_text() == "kept\n"


def test_a_comparison_loads_its_winner(tiny_comparison):
    loaded = load(tiny_comparison.dir)
    winner = tiny_comparison.winner["plan"]
    assert loaded.record["comparison"]["plan"] == winner
    assert loaded.dir.parent.parent.parent.parent == tiny_comparison.dir
