"""When DEV cannot choose: a domain-adaptation comparison reads each run's DEV estimate of target accuracy, which
is only as good as the overlap of the domains (diagnosis/dev.py's `dev_problem`). If any run's estimate fails that
check, every run is chosen by its source validation accuracy instead (one score for all, so plans stay comparable),
and the leaderboard says which run failed and why."""

from __future__ import annotations

from typing import Any

SCORE = "accuracy on the source validation images"


def fall_back_when_dev_fails(entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """`entries` with `val` replaced by the source validation accuracy when some run's DEV cannot choose, and the
    record of it (leaderboard.json's `dev_fallback`); unchanged and None otherwise."""
    failing = [e for e in entries if e.get("status") == "ok" and e.get("dev_problem")]
    if not failing:
        return entries, None
    first = failing[0]
    reason = (f"DEV cannot choose here: for {first['plan']} (seed {first['seed']}) {first['dev_problem']}; "
              f"every plan is chosen by its {SCORE} instead")
    record = {"applied": True, "score": SCORE, "runs_failing": len(failing),
              "runs": sum(1 for e in entries if e.get("status") == "ok"), "reason": reason}
    out = [{**e, "val": e["source_validation"], "selected_on": SCORE} if e.get("status") == "ok"
           and e.get("source_validation") is not None else e for e in entries]
    return out, record


def words(record: dict[str, Any] | None) -> str:
    """The caption's sentence; '' when DEV chose."""
    if not record:
        return ""
    return f"{record['reason']} ({record['runs_failing']} of {record['runs']} runs)."
