"""Mean and t-interval of a small sample (accuracies over seeds)."""

from __future__ import annotations

import math
import statistics
from typing import Any

from scipy import stats

CONFIDENCE = 0.95


def summarize(values: list[float], confidence: float = CONFIDENCE) -> dict[str, Any]:
    """Mean, sample standard deviation and the two-sided t-interval for the mean.

    The interval is mean +- t(1 - (1 - confidence) / 2, n - 1) * std / sqrt(n); with one value it is
    undefined and given as None (low = high = None).
    """
    values = [float(v) for v in values]
    if not values:
        return {"n": 0, "mean": None, "std": None, "low": None, "high": None, "confidence": confidence, "values": []}
    mean = statistics.fmean(values)
    if len(values) < 2:
        return {"n": 1, "mean": mean, "std": None, "low": None, "high": None, "confidence": confidence,
                "values": values}
    std = statistics.stdev(values)
    if std == 0.0:
        low = high = mean
    else:
        low, high = stats.t.interval(confidence, len(values) - 1, loc=mean, scale=std / math.sqrt(len(values)))
    return {"n": len(values), "mean": mean, "std": std, "low": float(low), "high": float(high),
            "confidence": confidence, "values": values}


def paired_difference(first: list[float], second: list[float], confidence: float = CONFIDENCE,
                      alternative: str = "two-sided") -> dict[str, Any]:
    """The paired comparison of two plans over the same seeds: differences d_k = first_k - second_k.

    Mean difference with its two-sided t-interval and the paired t-test of "mean difference = 0" against
    `alternative` ("two-sided", or "less": the first is worse), t = mean / (std / sqrt(n)) with n - 1 degrees of
    freedom, as scipy's `ttest_rel`. With one pair nothing can be told (interval and p None). When every difference
    is the same the interval has zero width and p is the test's limit as the spread goes to zero: 1 if they are all
    zero (or, for "less", not below zero), else 0.
    """
    if len(first) != len(second):
        raise ValueError(f"Paired values need the same seeds; got {len(first)} and {len(second)} values.")
    if alternative not in ("two-sided", "less"):
        raise ValueError(f"Unknown alternative {alternative!r}; use 'two-sided' or 'less'.")
    diffs = [float(a) - float(b) for a, b in zip(first, second)]
    out = {**summarize(diffs, confidence), "p": None, "alternative": alternative}
    if len(diffs) < 2:
        return out
    if out["std"] == 0.0:
        told = out["mean"] < 0.0 if alternative == "less" else out["mean"] != 0.0
        out["p"] = 0.0 if told else 1.0
        return out
    t = out["mean"] / (out["std"] / math.sqrt(len(diffs)))
    out["t"] = t
    df = len(diffs) - 1
    out["p"] = float(stats.t.cdf(t, df) if alternative == "less" else 2.0 * stats.t.sf(abs(t), df))
    return out


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm's step-down adjustment (Holm 1979) of m p-values (None stays None and is not counted).

    With the p-values sorted ascending, p_(i) becomes max over j <= i of min(1, (m - j + 1) p_(j)); rejecting where
    the adjusted value is below alpha keeps the chance of any false rejection at most alpha.
    """
    known = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(known)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(known):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted
