"""Mean and t-interval of a small sample (scores over seeds), the paired comparisons of two plans, and what a number
of seeds can detect."""

from __future__ import annotations

import math
import statistics
from typing import Any

from scipy import stats

CONFIDENCE = 0.95
SCORE_BOUNDS = (0.0, 1.0)  # every metric a comparison reads is a fraction
DIFFERENCE_BOUNDS = (-1.0, 1.0)  # the difference of two such fractions


def summarize(values: list[float], confidence: float = CONFIDENCE,
              bounds: tuple[float, float] | None = None) -> dict[str, Any]:
    """Mean, sample standard deviation and the two-sided t-interval for the mean.

    The interval is mean +- t(1 - (1 - confidence) / 2, n - 1) * std / sqrt(n); with one value it is undefined and
    given as None (low = high = None). With `bounds` (the range the values can take, e.g. 0 and 1 for accuracies)
    the interval is clipped to it, and `clipped` says whether that changed it: a mean of fractions never lies
    outside [0, 1], so neither does the reported interval.
    """
    values = [float(v) for v in values]
    out: dict[str, Any] = {"n": len(values), "mean": None, "std": None, "low": None, "high": None,
                           "confidence": confidence, "values": values}
    if bounds is not None:
        out.update(bounds=list(bounds), clipped=False)
    if not values:
        return out
    out["mean"] = statistics.fmean(values)
    if len(values) < 2:
        return out
    out["std"] = statistics.stdev(values)
    if out["std"] == 0.0:
        low = high = out["mean"]
    else:
        low, high = stats.t.interval(confidence, len(values) - 1, loc=out["mean"],
                                     scale=out["std"] / math.sqrt(len(values)))
    if bounds is not None:
        out["clipped"] = bool(low < bounds[0] or high > bounds[1])
        low, high = max(low, bounds[0]), min(high, bounds[1])
    out["low"], out["high"] = float(low), float(high)
    return out


def paired_difference(first: list[float], second: list[float], confidence: float = CONFIDENCE,
                      alternative: str = "two-sided") -> dict[str, Any]:
    """The paired comparison of two plans over the same seeds: differences d_k = first_k - second_k.

    Mean difference with its two-sided t-interval (clipped to [-1, 1], the range of a difference of fractions) and
    the paired t-test of "mean difference = 0" against `alternative` ("two-sided", or "less": the first is worse),
    t = mean / (std / sqrt(n)) with n - 1 degrees of freedom, as scipy's `ttest_rel`. With one pair nothing can be
    told (interval and p None). When every difference is the same the interval has zero width and p is the test's
    limit as the spread goes to zero: 1 if they are all zero (or, for "less", not below zero), else 0.
    """
    if len(first) != len(second):
        raise ValueError(f"Paired values need the same seeds; got {len(first)} and {len(second)} values.")
    if alternative not in ("two-sided", "less"):
        raise ValueError(f"Unknown alternative {alternative!r}; use 'two-sided' or 'less'.")
    diffs = [float(a) - float(b) for a, b in zip(first, second)]
    out = {**summarize(diffs, confidence, DIFFERENCE_BOUNDS), "p": None, "alternative": alternative}
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


def non_inferiority(deficits: list[float], margin: float, alpha: float = 1 - CONFIDENCE) -> dict[str, Any]:
    """Is a plan worse than the best by less than `margin`? The one-sided paired t-test of "mean deficit >= margin"
    on its per-seed deficits (best - plan, the same seeds), and the upper (1 - alpha) confidence bound of the mean
    deficit, mean + t(1 - alpha, n - 1) * std / sqrt(n): the test rejects exactly when that bound is below the
    margin (the non-inferiority half of TOST). With one seed nothing can be shown (bound and p None); with zero
    spread the bound is the mean and p is 0 or 1.
    """
    n = len(deficits)
    out: dict[str, Any] = {"n": n, "margin": margin, "mean_deficit": statistics.fmean(deficits) if deficits else None,
                           "upper": None, "p": None, "confidence": 1 - alpha}
    if n < 2:
        return out
    std = statistics.stdev(deficits)
    mean = out["mean_deficit"]
    if std == 0.0:
        out["upper"], out["p"] = mean, 0.0 if mean < margin else 1.0
        return out
    se = std / math.sqrt(n)
    out["upper"] = float(mean + stats.t.ppf(1 - alpha, n - 1) * se)
    out["p"] = float(stats.t.cdf((mean - margin) / se, n - 1))
    return out


def detectable_difference(std: float, n: int, alpha: float = 1 - CONFIDENCE) -> float | None:
    """The smallest mean paired difference a one-sided paired t-test at level `alpha` over `n` seeds can tell from
    zero when the per-seed differences spread by `std`: t(1 - alpha, n - 1) * std / sqrt(n) (None with one seed)."""
    if n < 2:
        return None
    return float(stats.t.ppf(1 - alpha, n - 1) * std / math.sqrt(n))


def seeds_to_detect(difference: float, std: float, start: int, alpha: float = 1 - CONFIDENCE,
                    most: int = 100) -> int | None:
    """The fewest seeds (at least `start`) at which `difference` exceeds the detectable difference; None beyond
    `most`."""
    for n in range(max(start, 2), most + 1):
        if difference > detectable_difference(std, n, alpha):
            return n
    return None


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm's step-down adjustment (Holm 1979) of m p-values (None stays None and is not counted).

    With the p-values sorted ascending, p_(i) becomes max over j <= i of min(1, (m - j + 1) p_(j)); rejecting where
    the adjusted value is below alpha keeps the chance of any false rejection at most alpha. Written here because
    scipy.stats offers only false-discovery-rate adjustments (false_discovery_control), not Holm's.
    """
    known = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(known)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(known):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted
