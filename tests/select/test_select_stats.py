"""Confidence intervals: the t-interval over seeds, checked against a hand computation."""

from __future__ import annotations

import json
import math

import pytest

from transferkit.select import summarize

# Student's t quantiles t(0.975, df) from printed tables (not computed with the library under test).
T975 = {1: 12.7062047362, 2: 4.3026527297, 3: 3.1824463053, 4: 2.7764451052}


def hand_interval(values):
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = T975[n - 1] * std / math.sqrt(n)
    return mean, mean - half, mean + half


@pytest.mark.parametrize("values", [[0.8, 0.9, 0.85], [0.5, 0.7], [0.61, 0.64, 0.59, 0.66, 0.60]])
def test_t_interval_matches_hand_computation(values):
    mean, low, high = hand_interval(values)
    s = summarize(values)
    assert s["n"] == len(values) and s["confidence"] == 0.95
    assert s["mean"] == pytest.approx(mean, abs=1e-12)
    assert s["low"] == pytest.approx(low, abs=1e-9)
    assert s["high"] == pytest.approx(high, abs=1e-9)


def test_worked_example():
    # mean 0.85, std 0.05, half-width 4.30265 * 0.05 / sqrt(3) = 0.124207
    s = summarize([0.8, 0.9, 0.85])
    assert (round(s["low"], 6), round(s["high"], 6)) == (0.725793, 0.974207)


def test_one_seed_has_no_interval_and_equal_values_have_zero_width():
    one = summarize([0.7])
    assert one["mean"] == 0.7 and one["low"] is None and one["high"] is None
    same = summarize([0.7, 0.7, 0.7])
    assert same["low"] == same["high"] == pytest.approx(0.7)


def test_written_leaderboard_intervals_match_hand_computation(tiny_comparison):
    """Every row of leaderboard.json: mean and interval recomputed by hand from its runs' run.json."""
    board = json.loads((tiny_comparison.dir / "leaderboard.json").read_text())
    assert board["rows"]
    for row in board["rows"]:
        vals = [json.loads((tiny_comparison.dir / r["dir"] / "run.json").read_text())["metrics"]["val"]["accuracy"]
                for r in row["runs"]]
        assert len(vals) == 2
        mean, low, high = hand_interval(vals)
        assert row["val"]["mean"] == pytest.approx(mean, abs=1e-12)
        if row["val"]["std"]:
            assert row["val"]["low"] == pytest.approx(low, abs=1e-9)
            assert row["val"]["high"] == pytest.approx(high, abs=1e-9)
        else:
            assert row["val"]["low"] == row["val"]["high"] == pytest.approx(mean)
