"""A run's staging directory shared by the processes of a run: the main process creates, locks and commits it;
every process reads its checkpoint when resuming. With one process this is a PartialRun."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from ..engine import Checkpointer, main_first, process_state
from ..settings import Output
from .partial_run import PartialRun


@dataclass
class SharedPartialRun:
    """`path`: the staging directory; `allows_overwrite`: see PartialRun; `partial`: the main process's PartialRun
    (None on the others); `device`: the run's device setting (which selects the processes' backend)."""

    path: Path
    allows_overwrite: bool
    device: str
    partial: PartialRun | None = None

    def checkpointer(self, identity: dict) -> Checkpointer:
        """The run's Checkpointer; its identity records the number of processes (resuming needs as many)."""
        identity = {**identity, "processes": process_state(self.device).num_processes}
        return Checkpointer(self.path, identity, {"overwrite": self.allows_overwrite})

    def commit(self, write_files: Callable[[Path], None]) -> Path:
        """PartialRun.commit on the main process; every process gets the run directory (or the error)."""
        return main_first(lambda: self.partial.commit(write_files), self.device)


def open_partial_run(stack: ExitStack, output: Output, device: str) -> SharedPartialRun:
    """Check, create and lock `output`'s staging directory on the main process (entered on `stack`); an error there
    is raised on every process."""
    shared = SharedPartialRun(Path(), False, device)

    def enter() -> tuple[Path, bool]:
        shared.partial = stack.enter_context(PartialRun(output))
        return shared.partial.path, shared.partial.allows_overwrite

    shared.path, shared.allows_overwrite = main_first(enter, device)
    return shared
