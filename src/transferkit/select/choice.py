"""Choosing the winner among plans that ran the full budget, by the comparison's selection rule (rule.py).

Seed k draws split k for every plan, so two plans' scores at one seed share their data, and most of the seed-to-seed
spread cancels in their difference. The reference is the eligible plan of the highest mean score (controls, plans
from random weights, are never eligible). Every other plan is compared with it twice on its per-seed differences:
- separated: the one-sided paired t-test of being worse (multiple comparisons with the best, Hsu 1984),
  Holm-corrected across the plans compared; a plan not separated is "tied", which with few seeds says more about
  the seeds than about the plans;
- shown equivalent: the non-inferiority test within the margin (the upper 95% confidence bound of its mean deficit
  below the margin), Holm-corrected across the plans cheaper than the reference, the only ones that could replace
  it. Under `--prefer cheapest-equivalent` the cheapest plan shown equivalent wins; otherwise the reference wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .power import power_record
from .rule import ALPHA, SelectionRule
from .stats import holm, non_inferiority, paired_difference

__all__ = ["ALPHA", "Choice", "choose", "cost", "paired_tests", "seed_scores"]


@dataclass
class Choice:
    """The outcome: `winner` (None when no eligible plan finished), the reference `best`, the plans not separated
    from it (`tied`, best first), those shown within the margin (`equivalent`), the `reason` in words and `power`."""

    winner: dict[str, Any] | None
    best: dict[str, Any] | None = None
    tied: list[str] = field(default_factory=list)
    equivalent: list[str] = field(default_factory=list)
    reason: str = ""
    power: dict[str, Any] | None = None


def seed_scores(row: dict[str, Any]) -> dict[int, float]:
    """seed -> selection score of a row's successful runs."""
    return {r["seed"]: r["val"] for r in row["runs"] if r["status"] == "ok" and r["val"] is not None}


def _common(best: dict[str, Any], row: dict[str, Any]) -> tuple[list[int], list[float], list[float]]:
    reference, mine = seed_scores(best), seed_scores(row)
    seeds = sorted(set(reference) & set(mine))
    return seeds, [mine[s] for s in seeds], [reference[s] for s in seeds]


def paired_tests(best: dict[str, Any], others: list[dict[str, Any]], key: str = "plan") -> list[dict[str, Any]]:
    """Per other row: the paired difference (other - best) over their common seeds, with the Holm-corrected p of
    being worse and `distinguishable` (separated from the best)."""
    tests = []
    for row in others:
        seeds, mine, reference = _common(best, row)
        test = paired_difference(mine, reference, alternative="less")
        tests.append({"reference": best[key], "seeds": seeds, **test})
    for test, adjusted in zip(tests, holm([t["p"] for t in tests])):
        test["p_holm"] = adjusted
        test["distinguishable"] = adjusted is not None and adjusted < ALPHA
    return tests


def equivalence_tests(best: dict[str, Any], cheaper: list[dict[str, Any]], margin: float) -> list[dict[str, Any]]:
    """Per cheaper row: the non-inferiority test of its per-seed deficits (best - it) within `margin`, Holm-corrected
    across the rows; `shown` when the corrected p is below ALPHA."""
    tests = []
    for row in cheaper:
        _, mine, reference = _common(best, row)
        tests.append(non_inferiority([b - m for b, m in zip(reference, mine)], margin, ALPHA))
    for test, adjusted in zip(tests, holm([t["p"] for t in tests])):
        test["p_holm"] = adjusted
        test["shown"] = adjusted is not None and adjusted < ALPHA
    return tests


def cost(row: dict[str, Any]) -> tuple:
    """What a plan costs: trainable parameters, then training images per run (every epoch, fixed ones included)."""
    return (row["trainable_params"], row["train_images"] / max(row["val"]["n"], 1))


def choose(contenders: list[dict[str, Any]], label: str, rule: SelectionRule = SelectionRule(),
           key: str = "plan") -> Choice:
    """The winner of `contenders` (rows, or candidate summaries with key='candidate') under `rule`, naming the score
    as `label`; sets each contender's `best`, `paired` (its test against the best) and `equivalence` (its
    non-inferiority test, None where not tested)."""
    for row in contenders:
        row["best"], row["paired"], row["equivalence"] = False, None, None
    eligible = [r for r in contenders if not r.get("control") and not r.get("soup")]
    if not eligible:
        why = "no plan finished without errors" if not contenders else \
            "only controls finished, and controls (plans from random weights) are never chosen"
        return Choice(None, reason=why)
    best = max(eligible, key=lambda r: r["val"]["mean"])
    best["best"] = True
    others = [r for r in contenders if r is not best]
    tests = paired_tests(best, others, key)
    for row, test in zip(others, tests):
        row["paired"] = test
    cheaper = [r for r in others if not r.get("control") and not r.get("soup") and cost(r) < cost(best)]
    for row, test in zip(cheaper, equivalence_tests(best, cheaper, rule.margin)):
        row["equivalence"] = test
    equivalent = [r for r in cheaper if r["equivalence"]["shown"]]
    winner = best
    if rule.prefer == "cheapest-equivalent" and equivalent:
        winner = min(equivalent, key=lambda r: (cost(r), -r["val"]["mean"]))
    tied = [best] + [r for r in others if not r["paired"]["distinguishable"]]
    power = power_record(best["val"]["n"], tests, others, rule.margin)
    return Choice(winner, best, [r[key] for r in sorted(tied, key=lambda r: -r["val"]["mean"])],
                  [r[key] for r in equivalent], _reason(winner, best, others, cheaper, (rule, label, key)), power)


def _reason(winner, best, others, cheaper, how) -> str:
    rule, label, key = how
    highest = f"highest mean {label}"
    if winner is not best:
        test = winner["equivalence"]
        return (f"cheaper than {best[key]} (the {highest}, {best['val']['mean']:.1%}) and shown within {rule.points} "
                f"of it: mean deficit {100 * test['mean_deficit']:.2f} points, upper {test['confidence']:.0%} bound "
                f"{100 * test['upper']:.2f} points over {test['n']} seeds (Holm-corrected p = {test['p_holm']:.2g}); "
                f"{winner['trainable_params']:,} trainable parameters against {best['trainable_params']:,}")
    if not others:
        return highest
    separated = sum(1 for r in others if r["paired"]["distinguishable"])
    told = (", told apart from every other plan by the paired test" if separated == len(others)
            else f"; {len(others) - separated} of {len(others)} other plans are not separated from it by the paired "
                 "test")
    if rule.prefer == "best":
        return f"{highest} (--prefer best){told}"
    if best["val"]["n"] < 2:
        return f"{highest}; with one seed no cheaper plan can be shown within {rule.points} of it"
    if not cheaper:
        return f"{highest}, and no eligible plan is cheaper{told}"
    bounds = ", ".join(f"{r[key]} {_points(r['equivalence']['upper'])}" for r in cheaper)
    return (f"{highest}; no cheaper plan is shown within {rule.points} of it (upper bounds of their deficits: "
            f"{bounds}; each test Holm-corrected over the {len(cheaper)} cheaper plans){told}")


def _points(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} points"
