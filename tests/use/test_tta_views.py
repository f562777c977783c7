"""Test-time views from outside: probabilities in predictions.csv and evaluation.json's record."""

from __future__ import annotations

import csv

import pytest

from typer.testing import CliRunner

from support.assertions import assert_cli_error
from transferkit import adapt, api
from transferkit.cli import app


@pytest.fixture(scope="module")
def unflipped_run(tiny_model_dir, image_folder, tmp_path_factory):
    """A linear probe trained without flips."""
    return adapt(str(tiny_model_dir), str(image_folder), "linear-probe", out=tmp_path_factory.mktemp("r") / "run",
                 epochs=1, progress=False)


def _probabilities(path):
    with open(path, newline="") as fh:
        return [row["probability_1"] for row in csv.DictReader(fh)]


def test_the_identity_view_alone_equals_no_tta(folder_run, image_folder, tmp_path):
    plain = api.predict(folder_run.dir, [str(image_folder)], out=tmp_path / "plain.csv", progress=False)
    same = api.predict(folder_run.dir, [str(image_folder)], out=tmp_path / "same.csv", tta=True,
                       tta_views=("identity",), progress=False)
    views = api.predict(folder_run.dir, [str(image_folder)], out=tmp_path / "views.csv", tta=True,
                        tta_views=("identity", "flip", "crop:0.75"), progress=False)
    assert _probabilities(tmp_path / "plain.csv") == _probabilities(tmp_path / "same.csv")
    assert _probabilities(tmp_path / "views.csv") != _probabilities(tmp_path / "plain.csv")
    assert not same.tta and views.views.used == ("identity", "flip", "crop:0.75")


@pytest.mark.integration
def test_evaluate_records_its_views_and_leaves_out_flips_the_run_never_trained_on(folder_run, unflipped_run,
                                                                                  image_folder):
    plain = api.evaluate(folder_run.dir, str(image_folder), progress=False)
    same = api.evaluate(folder_run.dir, str(image_folder), progress=False, tta=True, tta_views=("identity",))
    assert plain.record["metrics"] == same.record["metrics"]
    assert plain.record["test_time_augmentation"]["views"] == ["identity"]
    crops = api.evaluate(folder_run.dir, str(image_folder), progress=False, tta=True,
                         tta_views=("flip", "crop:0.8"))
    assert crops.record["test_time_augmentation"]["views"] == ["flip", "crop:0.8"]
    unflipped = api.evaluate(unflipped_run.dir, str(image_folder), progress=False, tta=True,
                             tta_views=("identity", "flip"))
    assert unflipped.record["test_time_augmentation"]["dropped"] == ["flip"]


@pytest.mark.parametrize("views", ["crop:1.5", "mirror", "identity,identity"])
def test_a_bad_view_is_a_one_line_error(folder_run, image_folder, tmp_path, views):
    result = CliRunner().invoke(app, ["predict", str(folder_run.dir), str(image_folder), "--tta", "--tta-views", views,
                                      "--out", str(tmp_path / "p.csv")])
    assert_cli_error(result, "--tta-views")
    assert not (tmp_path / "p.csv").exists()
