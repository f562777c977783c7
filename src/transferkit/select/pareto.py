"""The Pareto front of accuracy against inference cost: the (network, plan) pairs no other pair beats on both."""

from __future__ import annotations

from typing import Any


def pareto_front(points: list[tuple[float, float]]) -> list[bool]:
    """For each (cost, score) point, whether it is on the front: no other point costs at most as much and scores at
    least as high, with one of the two strictly better."""
    def beaten(i: int) -> bool:
        cost, score = points[i]
        return any(c <= cost and s >= score and (c < cost or s > score) for j, (c, s) in enumerate(points) if j != i)

    return [not beaten(i) for i in range(len(points))]


def mark_pareto(rows: list[dict[str, Any]]) -> None:
    """Set `pareto` on every row: on the front of mean selection score against milliseconds per image among the rows
    that ran the full budget with a score and a measured cost (False for the others: failed, or eliminated by
    successive halving after fewer epochs)."""
    scored = [r for r in rows if r["status"] == "ok" and r["val"]["mean"] is not None
              and (r.get("inference") or {}).get("ms_per_image") is not None]
    for row in rows:
        row["pareto"] = False
    for row, front in zip(scored, pareto_front([(r["inference"]["ms_per_image"], r["val"]["mean"]) for r in scored])):
        row["pareto"] = front
