"""--lr-search range: a learning-rate range test per plan picks its factor from the training-loss curve."""

from __future__ import annotations

import json

import numpy as np
import pytest

from transferkit import compare
from transferkit.engine.lr_range import suggest
from transferkit.errors import RunError
from support.assertions import assert_one_line_error
from support.tiny import TINY_TARGET


def test_steepest_descent_before_the_minimum():
    factors = list(np.logspace(-3, 2, 11))
    # flat, then falling (fastest between 0.1 and 1: -0.9 per step), lowest at 3.16, then blowing up
    smoothed = [2.3, 2.3, 2.3, 2.29, 2.2, 1.3, 0.4, 0.3, 0.25, 1.0, 9.0]
    assert suggest(factors, smoothed) == 5
    assert factors[suggest(factors, smoothed)] == pytest.approx(10 ** -0.5)


def test_range_search_picks_one_rate_per_plan_and_records_the_curve(tiny_model_dir, tmp_path):
    out = tmp_path / "cmp"
    compare(str(tiny_model_dir), TINY_TARGET, "linear-probe", out=out, seeds=1, epochs=1, labels_per_class=4,
            lr_search="range", progress=False)
    board = json.loads((out / "leaderboard.json").read_text())
    test = board["lr_search"]["plans"]["linear-probe"]
    assert board["lr_search"]["method"] == "range" and 3 <= test["steps"] <= 100
    curve = test["curve"]
    assert len(curve) == test["steps"] and curve[0]["factor"] == pytest.approx(1e-3)
    assert all(a["factor"] < b["factor"] for a, b in zip(curve, curve[1:]))
    assert test["chosen_factor"] == pytest.approx(curve[suggest([p["factor"] for p in curve],
                                                                [p["smoothed"] for p in curve])]["factor"], rel=1e-6)
    (row,) = board["rows"]
    assert row["lr_factor"] == test["chosen_factor"] and len(row["lr_grid"]) == 1
    (run,) = board["runs"]
    record = json.loads((out / run["dir"] / "run.json").read_text())
    assert record["plan"]["phases"][0]["lr_per_stage"]["head"] == pytest.approx(1e-2 * test["chosen_factor"])
    assert board["lr_search"]["train_images"] == test["steps"] * 32
    assert 'id="lr-range"' in (out / "report.html").read_text()


def test_range_search_refuses_domain_adaptation(tiny_model_dir, tmp_path):
    source = "synthetic:glyphs?classes=4&per_class=12&size=16"
    assert_one_line_error(RunError, lambda: compare(str(tiny_model_dir), source + "&shift=contrast", "source-only",
                                                    source=source, lr_search="range", out=tmp_path / "c",
                                                    progress=False), "--lr-search", "grid")
    assert_one_line_error(RunError, lambda: compare(str(tiny_model_dir), source, "linear-probe", lr_search="smith",
                                                    progress=False), "'lr_search'", "range")
    assert not (tmp_path / "c").exists()
