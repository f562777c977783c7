"""What the seeds of a comparison can detect: the smallest paired difference its test could tell from zero, and the
one-line warning when the seeds are too few to separate even what should be separated: a control, or any plan when
nothing the size of the margin could be detected."""

from __future__ import annotations

import math
from typing import Any

from .rule import ALPHA
from .stats import detectable_difference, seeds_to_detect

FEW_SEEDS_ADVICE = 5  # the fewest seeds to advise (and what to advise when one seed gives no spread)


def power_record(n: int, tests: list[dict[str, Any]], others: list[dict[str, Any]], margin: float) -> dict[str, Any]:
    """`n` seeds; `tests`: the paired tests (plan - best) of `others`, the plans compared with the best (controls
    included). The spread is the pooled standard deviation of the per-seed differences (root mean of the variances,
    weighted by degrees of freedom); the detectable difference is that of a one-sided paired t-test at level ALPHA
    before any multiplicity correction, so no smaller difference could have been told apart."""
    out: dict[str, Any] = {"seeds": n, "alpha": ALPHA, "spread": None, "detectable": None, "seeds_needed": None,
                           "warning": None}
    if n < 2:
        if others:
            out["warning"] = (f"with 1 seed no difference can be detected (the paired test needs 2 or more); use "
                              f"--seeds {FEW_SEEDS_ADVICE} or more")
        return out
    known = [t for t in tests if t.get("std") is not None and t["n"] >= 2]
    if not known:
        return out
    df = sum(t["n"] - 1 for t in known)
    spread = math.sqrt(sum((t["n"] - 1) * t["std"] ** 2 for t in known) / df)
    out["spread"] = spread
    out["detectable"] = detectable_difference(spread, n, ALPHA)
    unseparated = [(row, t) for row, t in zip(others, tests) if not t.get("distinguishable")]
    controls = [row.get("plan") or row.get("candidate") for row, _ in unseparated if row.get("control")]
    control_unseparated = bool(controls)
    nothing_separated = bool(others) and len(unseparated) == len(others)
    weak = control_unseparated or (nothing_separated and out["detectable"] > margin)
    if not weak or not out["detectable"]:
        return out
    seen = max([-(t["mean"] or 0.0) for _, t in unseparated] + [margin])
    # the spread of a few seeds is itself uncertain: never advise fewer than FEW_SEEDS_ADVICE
    out["seeds_needed"] = seeds_to_detect(seen, spread, max(n + 1, FEW_SEEDS_ADVICE), ALPHA)
    advice = (f"use --seeds {out['seeds_needed']} or more" if out["seeds_needed"] is not None else
              f"even 100 seeds would not detect a difference of {100 * seen:.1f} points at this spread")
    why = f"not even the control {' or '.join(controls)} is separated from the best" if control_unseparated else \
        "no plan is separated from the best"
    out["warning"] = (f"with {n} seeds no difference under {100 * out['detectable']:.1f} points can be detected "
                      f"(per-seed differences spread by {100 * spread:.1f} points; {why}); {advice}")
    return out


def power_words(power: dict[str, Any] | None) -> str:
    """The warning, or what the seeds can detect, in one sentence ('' when unknown)."""
    if not power:
        return ""
    if power.get("warning"):
        return power["warning"][0].upper() + power["warning"][1:] + "."
    if power.get("detectable") is None:
        return ""
    return (f"With {power['seeds']} seeds the paired test can detect differences from "
            f"{100 * power['detectable']:.1f} points up.")
