"""The leaderboard: per plan, its best learning rate, mean and t-interval of the selection score, the paired tests
against the best plan, costs, and the winner under the comparison's selection rule (rule.py, choice.py).

Selection reads the selection score only (see metric.py and choice.py). The holdout and test scores are carried for
display (the winner's always, every plan's with `show_test`) and are never read by any choice made here.
"""

from __future__ import annotations

from typing import Any

from ..settings.phase_values import EPOCH_BUDGET
from .candidates import pair_name
from .choice import ALPHA, Choice, choose
from .dev_fallback import fall_back_when_dev_fails
from .metric import metric_label
from .rule import SelectionRule
from .source_only import SOURCE_ONLY_RULE, protect
from .stats import CONFIDENCE, SCORE_BOUNDS, summarize


def selection_rules(metric: str = "accuracy", domain: bool = False,
                    rule: SelectionRule = SelectionRule()) -> dict[str, Any]:
    """The selection rules in words (leaderboard.json's `selection`)."""
    label = metric_label(metric)
    score = ("estimated target accuracy without target labels (each run's model-selection record: DEV, the "
             "importance-weighted accuracy on the source validation images, when unlabelled target images were "
             "given, else the source validation accuracy)" if domain else f"validation {label}")
    name = score.split(" (")[0]
    return {
        "metric": f"{score} (mean over seeds)",
        "metric_name": "estimated target accuracy" if domain else metric,
        "interval": f"{CONFIDENCE:.0%} t-interval over seeds, clipped to the metric's range (0% to 100%)",
        "learning_rate": f"per plan, the learning-rate factor with the highest mean {name} over seeds "
                         "(one factor for all seeds, so every seed of a plan runs the same recipe)",
        "rule": rule.words(name),
        "rule_short": rule.short(),
        **rule.to_dict(),
        "ties": (f"every plan is compared with the eligible plan of the highest mean on its per-seed differences "
                 f"(seed k draws split k for every plan): mean difference with its {CONFIDENCE:.0%} t-interval and "
                 f"a one-sided paired t-test of being worse than the best (multiple comparisons with the best, "
                 f"Hsu 1984), Holm-corrected across the plans compared; a plan whose corrected p-value is not below "
                 f"{ALPHA} is not separated from the best (tied), which with few seeds is no evidence that it is as "
                 "good; with one seed no plan is separated. Being as good is shown only by the non-inferiority "
                 "test of the rule"),
        "costs": "cheaper: fewer trainable parameters, then fewer training images per run (every epoch counted)",
        "epochs": EPOCH_BUDGET,
        "test_used_for_selection": False,
        **({"source_only": SOURCE_ONLY_RULE} if domain else {}),
    }


SELECTION = selection_rules()


def candidate_summaries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One summary per (candidate, epochs): validation over its successful seeds, failures, costs."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for e in entries:
        groups.setdefault((e["candidate"], e["epochs"]), []).append(e)
    out = []
    for (key, epochs), runs in groups.items():
        ok = [r for r in runs if r["status"] == "ok"]
        failed = [r for r in runs if r["status"] != "ok"]
        first = runs[0]
        out.append({
            "candidate": key,
            "plan": first["plan"],
            "network": first.get("network"),
            "pair": pair_name(first.get("network"), first["plan"]),
            "term": next((r["term"] for r in ok), first.get("term")),
            "lr_factor": first["lr_factor"],
            "lrs": first["lrs"],
            "epochs": epochs,
            "rung": first.get("rung"),
            "status": "failed" if failed else "ok",
            "errors": sorted({r["error"] for r in failed}),
            "control": any(r.get("control") for r in runs),
            "soup": any(r.get("soup") for r in runs),  # a greedy soup of other runs: shown, never chosen
            "fixed_epochs": max((r.get("fixed_epochs") or 0 for r in ok), default=0),
            "epochs_trained": summarize([r["epochs_trained"] for r in ok if r.get("epochs_trained") is not None])["mean"],
            "val": summarize([r["val"] for r in ok], bounds=SCORE_BOUNDS),
            "holdout": summarize([r["holdout"] for r in ok if r.get("holdout") is not None], bounds=SCORE_BOUNDS),
            "test": summarize([r["test"] for r in ok if r["test"] is not None], bounds=SCORE_BOUNDS),
            "trainable_params": max((r["trainable_params"] for r in ok), default=None),
            "seconds": summarize([r["seconds"] for r in ok])["mean"],
            "peak_memory_bytes": max((r["peak_memory"]["bytes"] for r in ok
                                      if (r.get("peak_memory") or {}).get("bytes") is not None), default=None),
            "train_images": sum(r["train_images"] for r in runs),
            "steps": sum(r["steps"] for r in runs),
            "runs": sorted(runs, key=lambda r: r["seed"]),
        })
    return out


def _best_candidate(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """The plan's candidate that went furthest (most epochs), then ran cleanly, then validated best.

    Between equal means the factor closest to 1 (the preset's own learning rate) wins, then the smaller.
    """
    def key(s):
        ok = s["status"] == "ok" and s["val"]["mean"] is not None
        factor = s["lr_factor"] if s["lr_factor"] is not None else 1.0
        return (s["epochs"], ok, s["val"]["mean"] if ok else -1.0, -abs(factor - 1.0), -factor)

    return max(summaries, key=key)


def build_leaderboard(entries: list[dict[str, Any]], *, show_test: bool = False, metric: str = "accuracy",
                      rule: SelectionRule = SelectionRule()) -> dict[str, Any]:
    """Rows per plan (per network and plan when several networks are compared: `pair` names the row), ranked, with
    the winner under `rule`; see `selection_rules` for the rules."""
    domain = any(e.get("domain_adaptation") for e in entries)
    fallback = None
    if domain:
        entries, fallback = fall_back_when_dev_fails(entries)
    summaries = candidate_summaries(entries)
    by_plan: dict[str, list[dict[str, Any]]] = {}
    for s in summaries:
        by_plan.setdefault(s["pair"], []).append(s)
    rows = []
    for plan, group in by_plan.items():
        best = _best_candidate(group)
        grid = [{"lr_factor": s["lr_factor"], "lrs": s["lrs"], "epochs": s["epochs"], "val_mean": s["val"]["mean"],
                 "seeds": s["val"]["n"], "status": s["status"]}
                for s in sorted(group, key=lambda s: (s["epochs"], s["lr_factor"] or 0.0))]
        rows.append({**best, "lr_grid": grid, "paired": None, "best": False})
    full = max((r["epochs"] for r in rows if _selectable(r)), default=None)
    for row in rows:
        if row["status"] == "ok" and row["epochs"] != full:
            row["status"] = "eliminated"
    contenders = [r for r in rows if _selectable(r) and r["epochs"] == full]
    score = "estimated target accuracy" if domain else f"validation {metric_label(metric)}"
    choice = choose(contenders, score, rule, key="pair")
    guard = None
    if domain:  # a method must beat source-only beyond the noise of the label-free estimate
        choice, guard = protect(choice, contenders, rule, key="pair")
    winner = choice.winner
    for row in rows:
        row.setdefault("equivalence", None)
        row["tie"] = row["pair"] in choice.tied
        row["winner"] = winner is not None and row["pair"] == winner["pair"]
        if domain:  # every plan's target accuracy: the oracle, which no choice may read
            row["oracle"] = row["test"]
        if not (show_test or row["winner"] or row["soup"]):
            row["test"] = row["holdout"] = None
            row["runs"] = [hide_held_out(r) for r in row["runs"]]
    rows.sort(key=_rank_key)
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return {
        "selection": selection_rules(metric, domain, rule),
        "metric": metric,
        "show_test": show_test,
        "candidates_tried": len({e["candidate"] for e in entries}),
        "rows": rows,
        "winner": None if winner is None else _winner_record(choice, rule, entries, domain, guard),
        "no_winner": choice.reason if winner is None else None,
        "power": choice.power,
        "oracle": _oracle(rows) if domain else None,
        "dev_fallback": fallback,
        "compute": {
            "runs": len(entries),
            "failed_runs": sum(1 for e in entries if e["status"] != "ok"),
            "train_images": sum(e["train_images"] for e in entries),
            "steps": sum(e["steps"] for e in entries),
            "seconds": round(sum(e["seconds"] or 0.0 for e in entries), 3),
        },
    }


def hide_held_out(run: dict[str, Any]) -> dict[str, Any]:
    """A run entry without its test and holdout scores (shown for the winner only unless asked)."""
    out = {k: v for k, v in run.items() if k not in ("test", "holdout")}
    if run.get("metrics"):
        out["metrics"] = {k: v for k, v in run["metrics"].items() if k == "val"}
    return out


def _winner_record(choice: Choice, rule: SelectionRule, entries, domain: bool,
                   guard: dict[str, Any] | None) -> dict[str, Any]:
    winner, tried = choice.winner, len({e["candidate"] for e in entries})
    record = {
        "plan": winner["plan"], "network": winner["network"], "pair": winner["pair"], "term": winner["term"],
        "lr_factor": winner["lr_factor"], "lrs": winner["lrs"],
        "epochs": winner["epochs"], "val": winner["val"], "holdout": winner["holdout"], "test": winner["test"],
        "test_note": "test accuracy is shown for the winner only and was not used for selection",
        "chosen_among": tried,
        "reported": _reported(winner, tried, domain),
        "rule": rule.prefer, "margin": rule.margin,
        "chosen_by": _chosen_by(choice, guard),
        "best": choice.best["pair"],
        "tied_with": [p for p in choice.tied if p != winner["pair"]],
        "equivalent": choice.equivalent,
        "reason": choice.reason,
        "seeds": winner["val"]["n"],
    }
    if guard is not None:
        record["protected_by_source_only"] = guard
    return record


def _chosen_by(choice: Choice, guard: dict[str, Any] | None) -> str:
    if guard is not None and guard["applied"]:
        return "source-only kept: the estimate cannot tell the chosen plan from it"
    return "highest mean" if choice.winner is choice.best else "cheaper and shown equivalent"


def _reported(winner: dict[str, Any], tried: int, domain: bool) -> dict[str, Any]:
    """The number to quote for the winner, and which data it comes from."""
    if domain:
        return {"value": winner["test"], "split": "test",
                "data": "the target's labelled images, which no choice read: selection used no target labels"}
    if winner["holdout"]["n"]:
        return {"value": winner["holdout"], "split": "holdout",
                "data": (f"the holdout part of each seed's validation split, which took no part in choosing the "
                         f"learning rate or the plan among {tried} candidates (plans x learning rates)")}
    return {"value": winner["val"], "split": "val",
            "data": (f"the validation data that also chose it among {tried} candidates: optimistic, since it is the "
                     "best of several noisy numbers (a holdout was turned off)")}


def _oracle(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The plan an oracle with the target's labels would pick (shown, never used for selection)."""
    known = [r for r in rows if r["status"] == "ok" and r.get("oracle") and r["oracle"]["mean"] is not None]
    if not known:
        return None
    best = max(known, key=lambda r: r["oracle"]["mean"])
    return {"plan": best["pair"], "target_accuracy": best["oracle"],
            "note": "oracle: chosen with the target's labels, which is not possible in practice; not usable for "
                    "selection and not used by it"}


def _selectable(row: dict[str, Any]) -> bool:
    return row["status"] in ("ok", "eliminated") and row["val"]["mean"] is not None


def _rank_key(row: dict[str, Any]) -> tuple:
    order = {"ok": 0, "eliminated": 1, "failed": 2}[row["status"]]
    return (not row["winner"], order, -row["epochs"], -(row["val"]["mean"] if row["val"]["mean"] is not None else -1.0))
