"""Ctrl-C during a comparison: the first press lets the runs in flight finish, then the leaderboard of what finished
is written (marked incomplete, listing what is missing); a second press stops at once. Either way every finished run
stays on disk, and the same command plus --resume trains only what is missing. The signal handling is ctrl_c.py's,
with a StopFlag (executors/base.py) as the stop request."""

from __future__ import annotations

STOPPING = ("Stopping: the runs in flight finish, then the leaderboard of the finished runs is written (marked "
            "incomplete); press Ctrl-C again to stop now (finished runs stay for --resume).")


def stopped_message(finished: int, missing: list[str], where: str) -> str:
    """What a comparison stopped by the user kept, and how to continue it."""
    return (f"stopped with {finished} of {finished + len(missing)} runs finished; {where}. Continue with the same "
            "command plus --resume (finished runs are reused).")


def stopped_at_once(folder) -> str:
    """What a comparison stopped at once (the second Ctrl-C) kept."""
    return (f"stopped at once; the finished runs stay in '{folder}'. Continue with the same command plus --resume "
            "(finished runs are reused).")
