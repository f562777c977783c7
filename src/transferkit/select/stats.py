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
