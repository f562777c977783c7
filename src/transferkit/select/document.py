"""leaderboard.json: the leaderboard with everything needed to read it (settings, search, every run)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .candidates import pair_name
from .leaderboard import build_leaderboard, hide_held_out
from .rule import SelectionRule

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class DocumentHeading:
    """What a document says besides its runs: its `kind` ('comparison', 'run', 'runs'), `title`, the `settings` it
    was made with (spread into the document) and the `search` record."""

    kind: str = "comparison"
    title: str = ""
    settings: dict[str, Any] | None = None
    search: dict[str, Any] | None = None


def comparison_document(entries: list[dict[str, Any]], heading: DocumentHeading = DocumentHeading(), *,
                        show_test: bool = False, metric: str = "accuracy",
                        rule: SelectionRule = SelectionRule()) -> dict[str, Any]:
    """The leaderboard of `entries` (winner under 'winner', chosen by `rule`) plus the heading and every run.

    Test and holdout scores of runs outside the winning plan are left out unless `show_test`.
    """
    board = build_leaderboard(entries, show_test=show_test, metric=metric, rule=rule)
    winner_pair = (board["winner"] or {}).get("pair")
    runs = []
    for e in entries:
        run = {k: v for k, v in e.items() if k not in ("term",)}
        if not show_test and pair_name(e.get("network"), e["plan"]) != winner_pair and not e.get("soup"):
            run = hide_held_out(run)
        runs.append(run)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": heading.kind,
        "title": heading.title,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **(heading.settings or {}),
        "search": heading.search,
        **board,
        "runs": runs,
    }
