"""leaderboard.json: the leaderboard with everything needed to read it (settings, search, every run)."""

from __future__ import annotations

import time
from typing import Any

from .leaderboard import build_leaderboard, hide_held_out

SCHEMA_VERSION = 1


def comparison_document(entries: list[dict[str, Any]], *, kind: str = "comparison", title: str = "",
                        show_test: bool = False, settings: dict[str, Any] | None = None,
                        search: dict[str, Any] | None = None, metric: str = "accuracy") -> dict[str, Any]:
    """The leaderboard of `entries` (winner under 'winner') plus settings, the search record and every run.

    Test and holdout scores of runs outside the winning plan are left out unless `show_test`.
    """
    board = build_leaderboard(entries, show_test=show_test, metric=metric)
    winner_plan = (board["winner"] or {}).get("plan")
    runs = []
    for e in entries:
        run = {k: v for k, v in e.items() if k not in ("term",)}
        if not show_test and e["plan"] != winner_plan:
            run = hide_held_out(run)
        runs.append(run)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "title": title,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **(settings or {}),
        "search": search,
        **board,
        "runs": runs,
    }
