"""The leaderboard: per plan, its best learning rate, mean and t-interval of validation accuracy, and costs.

Selection reads validation accuracy only. Test accuracy is carried for display (the winner's always,
every plan's with `show_test`) and is never read by any choice made here.
"""

from __future__ import annotations

from typing import Any

from .stats import CONFIDENCE, summarize

SELECTION = {
    "metric": "validation accuracy (mean over seeds)",
    "interval": f"{CONFIDENCE:.0%} t-interval over seeds",
    "learning_rate": "per plan, the learning-rate factor with the highest mean validation accuracy over seeds "
                     "(one factor for all seeds, so every seed of a plan runs the same recipe)",
    "ties": "a plan whose mean validation accuracy lies inside the best plan's confidence interval is tied with "
            "it; among tied plans the cheaper one wins (fewer trainable parameters, then fewer training images)",
    "test_used_for_selection": False,
}


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
            "term": next((r["term"] for r in ok), first.get("term")),
            "lr_factor": first["lr_factor"],
            "lrs": first["lrs"],
            "epochs": epochs,
            "rung": first.get("rung"),
            "status": "failed" if failed else "ok",
            "errors": sorted({r["error"] for r in failed}),
            "val": summarize([r["val"] for r in ok]),
            "test": summarize([r["test"] for r in ok]),
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


def build_leaderboard(entries: list[dict[str, Any]], *, show_test: bool = False) -> dict[str, Any]:
    """Rows per plan, ranked, with the winner; see SELECTION for the rules."""
    summaries = candidate_summaries(entries)
    by_plan: dict[str, list[dict[str, Any]]] = {}
    for s in summaries:
        by_plan.setdefault(s["plan"], []).append(s)
    rows = []
    for plan, group in by_plan.items():
        best = _best_candidate(group)
        grid = [{"lr_factor": s["lr_factor"], "lrs": s["lrs"], "epochs": s["epochs"], "val_mean": s["val"]["mean"],
                 "seeds": s["val"]["n"], "status": s["status"]}
                for s in sorted(group, key=lambda s: (s["epochs"], s["lr_factor"] or 0.0))]
        rows.append({**best, "lr_grid": grid})
    full = max((r["epochs"] for r in rows if _selectable(r)), default=None)
    for row in rows:
        if row["status"] == "ok" and row["epochs"] != full:
            row["status"] = "eliminated"
    contenders = [r for r in rows if _selectable(r) and r["epochs"] == full]
    winner, tied, reason = _choose(contenders)
    for row in rows:
        row["tie"] = row["plan"] in tied
        row["winner"] = winner is not None and row["plan"] == winner["plan"]
        if not (show_test or row["winner"]):
            row["test"] = None
            row["runs"] = [{k: v for k, v in r.items() if k != "test"} for r in row["runs"]]
    rows.sort(key=_rank_key)
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return {
        "selection": SELECTION,
        "show_test": show_test,
        "rows": rows,
        "winner": None if winner is None else {
            "plan": winner["plan"], "term": winner["term"], "lr_factor": winner["lr_factor"], "lrs": winner["lrs"],
            "epochs": winner["epochs"], "val": winner["val"], "test": winner["test"],
            "test_note": "test accuracy is shown for the winner only and was not used for selection",
            "tied_with": [p for p in tied if p != winner["plan"]], "reason": reason,
        },
        "compute": {
            "runs": len(entries),
            "failed_runs": sum(1 for e in entries if e["status"] != "ok"),
            "train_images": sum(e["train_images"] for e in entries),
            "steps": sum(e["steps"] for e in entries),
            "seconds": round(sum(e["seconds"] or 0.0 for e in entries), 3),
        },
    }


def _selectable(row: dict[str, Any]) -> bool:
    return row["status"] in ("ok", "eliminated") and row["val"]["mean"] is not None


def _cost(row: dict[str, Any]) -> tuple:
    return (row["trainable_params"], row["train_images"] / max(row["val"]["n"], 1), -row["val"]["mean"])


def _choose(contenders: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, list[str], str]:
    """(winner, plans tied with the best, the reason in words)."""
    if not contenders:
        return None, [], "no plan finished without errors"
    best = max(contenders, key=lambda r: r["val"]["mean"])
    low = best["val"]["low"]
    if low is None:
        tied = [r for r in contenders if r["val"]["mean"] == best["val"]["mean"]]
    else:
        tied = [r for r in contenders if r["val"]["mean"] >= low]
    winner = min(tied, key=_cost)
    names = [r["plan"] for r in sorted(tied, key=lambda r: -r["val"]["mean"])]
    if len(tied) == 1:
        reason = "highest mean validation accuracy"
        if best["val"]["n"] > 1:
            reason += ", no other plan inside its confidence interval"
    elif winner is best:
        others = ", ".join(n for n in names if n != winner["plan"])
        reason = f"highest mean validation accuracy; tied with {others} (inside its confidence interval), and the cheapest of them"
    else:
        reason = (f"tied with {best['plan']} (highest mean validation accuracy {best['val']['mean']:.1%}; this plan's "
                  f"{winner['val']['mean']:.1%} lies inside its confidence interval) and cheaper: "
                  f"{winner['trainable_params']:,} trainable parameters against {best['trainable_params']:,}")
    return winner, names, reason


def _rank_key(row: dict[str, Any]) -> tuple:
    order = {"ok": 0, "eliminated": 1, "failed": 2}[row["status"]]
    return (not row["winner"], order, -row["epochs"], -(row["val"]["mean"] if row["val"]["mean"] is not None else -1.0))
