"""Confidence intervals, the paired t-test and Holm's correction, checked against hand computations and scipy."""

from __future__ import annotations

import json
import math
import warnings

import pytest

from scipy import stats

from transferkit.select import summarize
from transferkit.select.stats import holm, paired_difference

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
            # accuracies lie in [0, 1], and so does the reported interval: the t-interval clipped to it
            assert row["val"]["low"] == pytest.approx(max(low, 0.0), abs=1e-9)
            assert row["val"]["high"] == pytest.approx(min(high, 1.0), abs=1e-9)
            assert row["val"]["clipped"] == (low < 0.0 or high > 1.0)
        else:
            assert row["val"]["low"] == row["val"]["high"] == pytest.approx(mean)


@pytest.mark.parametrize("first,second", [([0.70, 0.80, 0.90], [0.68, 0.785, 0.875]),
                                          ([0.9, 0.5, 0.7, 0.6], [0.85, 0.55, 0.6, 0.61]),
                                          ([0.5, 0.6], [0.4, 0.45])])
def test_paired_difference_matches_scipy_and_hand(first, second):
    d = [a - b for a, b in zip(first, second)]
    mean, low, high = hand_interval(d)
    test = paired_difference(first, second)
    reference = stats.ttest_rel(first, second)
    assert test["values"] == pytest.approx(d) and test["n"] == len(d)
    assert test["mean"] == pytest.approx(mean, abs=1e-12)
    assert (test["low"], test["high"]) == (pytest.approx(low, abs=1e-9), pytest.approx(high, abs=1e-9))
    assert test["t"] == pytest.approx(reference.statistic, rel=1e-9)
    assert test["p"] == pytest.approx(reference.pvalue, rel=1e-9)


@pytest.mark.parametrize("first,second", [([0.68, 0.785, 0.875], [0.70, 0.80, 0.90]),
                                          ([0.9, 0.5, 0.7, 0.6], [0.85, 0.55, 0.6, 0.61])])
def test_one_sided_paired_test_matches_scipy(first, second):
    test = paired_difference(first, second, alternative="less")
    reference = stats.ttest_rel(first, second, alternative="less")
    assert test["p"] == pytest.approx(reference.pvalue, rel=1e-9)
    assert test["p"] == pytest.approx(paired_difference(first, second)["p"] / 2, rel=1e-9) or test["mean"] > 0
    assert paired_difference(second, first, alternative="less")["p"] == pytest.approx(1 - test["p"], rel=1e-9)
    assert paired_difference([0.5, 0.4], [0.6, 0.5], alternative="less")["p"] == 0.0  # worse by 0.1 at every seed
    assert paired_difference([0.6, 0.5], [0.5, 0.4], alternative="less")["p"] == 1.0  # better at every seed
    with pytest.raises(ValueError, match="alternative"):
        paired_difference(first, second, alternative="greater")


def test_paired_worked_example():
    # d = 0.02, 0.015, 0.025: mean 0.02, std 0.005, t = 0.02 / (0.005 / sqrt 3) = 6.9282, df 2 -> p = 0.02020
    test = paired_difference([0.70, 0.80, 0.90], [0.68, 0.785, 0.875])
    assert round(test["t"], 4) == 6.9282 and round(test["p"], 5) == 0.0202


def test_paired_degenerate_cases():
    assert paired_difference([0.8], [0.7])["p"] is None  # one pair: cannot tell
    constant = paired_difference([0.75, 0.5, 0.25], [0.5, 0.25, 0.0])  # exactly 0.25 at every seed
    assert constant["p"] == 0.0 and constant["low"] == constant["high"] == 0.25
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy warns about the zero spread, then gives the limit
        assert stats.ttest_rel([0.75, 0.5, 0.25], [0.5, 0.25, 0.0]).pvalue == 0.0
    assert paired_difference([0.8, 0.9, 0.7], [0.78, 0.88, 0.68])["p"] < 1e-12  # the same up to rounding
    assert paired_difference([0.8, 0.9], [0.8, 0.9])["p"] == 1.0
    with pytest.raises(ValueError):
        paired_difference([0.8, 0.9], [0.8])


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04 (m = 3): 3 x 0.01 = 0.03; 2 x 0.03 = 0.06; max(0.06, 1 x 0.04) = 0.06
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, None, 0.01]) == [pytest.approx(0.5), None, pytest.approx(0.02)]
    assert holm([0.6, 0.7]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []
