"""A leaderboard table that redraws itself after every run while a comparison runs (rich.live.Live)."""

from __future__ import annotations

from typing import Any

from rich.live import Live

from ..console import console, progress_enabled
from .leaderboard import build_leaderboard
from .table import leaderboard_table


class LiveLeaderboard:
    """`with LiveLeaderboard(title) as live: ... live.update(entries, next_run)`; silent when progress is off."""

    def __init__(self, title: str, *, show_test: bool = False, enabled: bool = True, metric: str = "accuracy"):
        self.title, self.show_test, self.metric = title, show_test, metric
        self.live = Live(console=console, refresh_per_second=4, transient=True) if progress_enabled(enabled) else None

    def __enter__(self) -> LiveLeaderboard:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.live is not None:
            self.live.stop()

    def update(self, entries: list[dict[str, Any]], running: str | None) -> None:
        if self.live is None:
            return
        done = f"{len(entries)} run{'' if len(entries) == 1 else 's'} done"
        note = f"{done}; now running {running}" if running else done
        board = build_leaderboard(entries, show_test=self.show_test, metric=self.metric) if entries else {"rows": []}
        self.live.update(leaderboard_table(board, self.title, note=note), refresh=True)
