"""Choosing the winner among plans that ran the full budget: the paired test against the best plan, then the cheapest.

Seed k draws split k for every plan, so two plans' scores at one seed share their data, and most of the seed-to-seed
spread cancels in their difference. Each plan is compared with the plan of the highest mean score on its per-seed
differences by a one-sided paired t-test (is it worse than the best?), as in multiple comparisons with the best
(Hsu 1984): the best is the highest mean, so only "worse" can be told; the p-values are Holm-corrected across the
plans compared. A plan whose corrected p-value is not below ALPHA is not distinguishable from the best (tied with
it); among the best and its ties the cheapest wins. With one seed nothing can be told apart, so every plan is tied.
"""

from __future__ import annotations

from typing import Any

from .stats import holm, paired_difference

ALPHA = 0.05


def seed_scores(row: dict[str, Any]) -> dict[int, float]:
    """seed -> selection score of a row's successful runs."""
    return {r["seed"]: r["val"] for r in row["runs"] if r["status"] == "ok" and r["val"] is not None}


def paired_tests(best: dict[str, Any], others: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per other row: the paired difference (other - best) over their common seeds, with the Holm-corrected p."""
    reference = seed_scores(best)
    tests = []
    for row in others:
        mine = seed_scores(row)
        seeds = sorted(set(reference) & set(mine))
        test = paired_difference([mine[s] for s in seeds], [reference[s] for s in seeds], alternative="less")
        tests.append({"reference": best["plan"], "seeds": seeds, **test})
    for test, adjusted in zip(tests, holm([t["p"] for t in tests])):
        test["p_holm"] = adjusted
        test["distinguishable"] = adjusted is not None and adjusted < ALPHA
    return tests


def cost(row: dict[str, Any]) -> tuple:
    return (row["trainable_params"], row["train_images"] / max(row["val"]["n"], 1), -row["val"]["mean"])


def choose(contenders: list[dict[str, Any]], label: str) -> tuple[dict[str, Any] | None, list[str], str]:
    """(winner, plans tied with the best, the reason in words, naming the score as `label`); sets each contender's
    `paired` record."""
    if not contenders:
        return None, [], "no plan finished without errors"
    best = max(contenders, key=lambda r: r["val"]["mean"])
    others = [r for r in contenders if r is not best]
    best["paired"], best["best"] = None, True  # the reference of the paired tests
    for row, test in zip(others, paired_tests(best, others)):
        row["paired"] = test
    tied = [best] + [r for r in others if not r["paired"]["distinguishable"]]
    winner = min(tied, key=cost)
    names = [r["plan"] for r in sorted(tied, key=lambda r: -r["val"]["mean"])]
    return winner, names, _reason(best, winner, tied, others, label)


def _reason(best, winner, tied, others, label: str) -> str:
    highest = f"highest mean {label}"
    if len(tied) == 1:
        return highest + (", and the paired test tells it apart from every other plan" if others else "")
    if best["val"]["n"] < 2:
        return ("one seed: the paired test cannot tell plans apart, so every plan counts as tied and the cheapest "
                f"wins ({highest}: {best['plan']})")
    if winner is best:
        rest = ", ".join(r["plan"] for r in tied if r is not best)
        return f"{highest}; not distinguishable from {rest} by the paired test, and the cheapest of them"
    test = winner["paired"]
    p = "-" if test["p_holm"] is None else f"{test['p_holm']:.3g}"
    return (f"not distinguishable by the paired test from {best['plan']} (the {highest}, "
            f"{best['val']['mean']:.1%}; mean difference {test['mean']:+.1%} over {test['n']} seeds, Holm-corrected "
            f"p = {p}) and cheaper: {winner['trainable_params']:,} trainable parameters against "
            f"{best['trainable_params']:,}")
