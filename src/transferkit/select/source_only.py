"""Source-only protects a domain-adaptation comparison: the label-free estimate of target accuracy (DEV) is noisy,
and alignment methods often lose to training on the source alone, so a method wins only when it beats source-only
on the estimate by more than the per-seed noise.

Over two or more common seeds that is the one-sided paired t-test of "the method is not better than source-only"
at the comparison's level (rule.py's ALPHA); with one seed, its estimate must exceed source-only's by more than the
rule's margin. Otherwise source-only wins and the leaderboard says why. Without a source-only plan nothing changes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..errors import PlanError
from ..plans.yaml_io import plan_from_spec
from .choice import Choice, seed_scores
from .rule import ALPHA, SelectionRule
from .stats import paired_difference

SOURCE_ONLY = "source-only"  # the preset of plans/presets/domain.py that trains on the source without adapting
SOURCE_ONLY_RULE = (f"when {SOURCE_ONLY} is among the plans, the chosen plan must beat it on the estimate beyond the "
                    f"per-seed noise (one-sided paired t-test over the common seeds at alpha {ALPHA:g}; with one seed, "
                    "by more than the margin), else source-only wins")


def is_source_only(row: dict[str, Any]) -> bool:
    """Whether a row's plan is the source-only preset (with any options, e.g. 'source-only:k=0')."""
    return str(row.get("plan", "")).partition(":")[0].strip() == SOURCE_ONLY


def beats_source_only(method: dict[str, Any], baseline: dict[str, Any], rule: SelectionRule) -> dict[str, Any]:
    """The check of `method` against source-only `baseline` over their common seeds: `gain` (mean of method -
    source-only), the test's `p` (None with one seed), `n`, how it was told and `beats`."""
    mine, theirs = seed_scores(method), seed_scores(baseline)
    seeds = sorted(set(mine) & set(theirs))
    # source-only first: "less" asks whether source-only is worse than the method, the one-sided test wanted
    test = paired_difference([theirs[s] for s in seeds], [mine[s] for s in seeds], alternative="less")
    gain = None if test["mean"] is None else -test["mean"]
    out = {"seeds": seeds, "n": len(seeds), "gain": gain, "p": test["p"], "alpha": ALPHA,
           "margin": rule.margin}
    if len(seeds) >= 2:
        out["by"] = f"one-sided paired t-test over {len(seeds)} seeds at alpha {ALPHA:g}"
        out["beats"] = test["p"] is not None and test["p"] < ALPHA
    else:
        out["by"] = f"one seed: the estimate must beat source-only's by more than {rule.points}"
        out["beats"] = gain is not None and gain > rule.margin
    return out


def protect(choice: Choice, contenders: list[dict[str, Any]], rule: SelectionRule,
            key: str = "plan") -> tuple[Choice, dict[str, Any] | None]:
    """`choice`, or source-only in its place when its winner does not beat source-only beyond the noise; with the
    record of the check (leaderboard.json's `winner.protected_by_source_only`), None without a source-only plan or
    when source-only already won."""
    winner = choice.winner
    if winner is None or is_source_only(winner):
        return choice, None
    baseline = comparable_source_only(winner, contenders, key)
    if baseline is None:
        return choice, None
    check = beats_source_only(winner, baseline, rule)
    record = {"applied": not check["beats"], "method": winner[key], "source_only": baseline[key],
              "gain_points": None if check["gain"] is None else 100 * check["gain"], "seeds": check["n"],
              "p": check["p"], "alpha": ALPHA, "margin_points": rule.margin * 100, "test": check["by"]}
    if check["beats"]:
        record["reason"] = f"{winner[key]} beats {baseline[key]}: {_evidence(check)}"
        return choice, record
    record["reason"] = (f"{baseline[key]} is kept: the label-free estimate cannot tell {winner[key]} (the plan it "
                        f"would choose) from it ({_evidence(check)}), and adapting often loses to source-only "
                        "under a real shift")
    winner["source_only_refused"] = True
    baseline["source_only_kept"] = True
    return replace(choice, winner=baseline, reason=record["reason"]), record


def trained_parts(plan: str) -> tuple[str, ...] | None:
    """What a plan trains (its phases' stage selectors, in order), None if the plan cannot be read."""
    try:
        return tuple(dict.fromkeys(part for phase in plan_from_spec(plan).phases for part in phase.train))
    except PlanError:  # a plan file that has moved since the run: fall back to the first source-only plan
        return None


def comparable_source_only(winner: dict[str, Any], contenders: list[dict[str, Any]],
                           key: str = "plan") -> dict[str, Any] | None:
    """The source-only row of the winner's network that trains the same stages (adabn, head only, against
    source-only:k=0; coral with k=1 against source-only), else the first source-only row of that network."""
    rows = [r for r in contenders if is_source_only(r) and r.get("network") == winner.get("network")]
    parts = trained_parts(winner["plan"])
    same = [r for r in rows if parts is not None and trained_parts(r["plan"]) == parts]
    return (same or rows or [None])[0]


def _evidence(check: dict[str, Any]) -> str:
    gain = "no common seed" if check["gain"] is None else f"mean gain {100 * check['gain']:.2f} points"
    if check["n"] >= 2:
        p = "-" if check["p"] is None else f"{check['p']:.2g}"
        return f"{gain}, one-sided paired t-test over {check['n']} seeds p = {p} (alpha {ALPHA:g})"
    return f"{gain} with one seed, which must exceed {100 * check['margin']:g} points"


def words(record: dict[str, Any] | None) -> str:
    """The caption's sentence about the check; '' without one."""
    if not record:
        return ""
    if record["applied"]:
        return f"Protected by source-only: {record['reason']}."
    return f"Checked against source-only: {record['reason']}."
