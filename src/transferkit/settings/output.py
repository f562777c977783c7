"""Output: where a command writes, and what may happen to what is already there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import RunError
from .constraints import FilePath, Flag
from .fields import Record, setting


@dataclass(frozen=True)
class Output(Record):
    """`path`: the directory to write (None: write nothing); `overwrite`: replace an existing one, or discard an
    interrupted run of it; `resume`: continue the interrupted run of `path` from its last checkpoint."""

    error = RunError
    kind = "output"
    panel = "Output"

    path: Path | None = setting(None, FilePath(), "Directory to write.", name="out")
    overwrite: bool = setting(False, Flag(), "Replace an existing output, or discard an interrupted run of it.")
    resume: bool = setting(False, Flag(), "Continue the interrupted run of --out from its last checkpoint (same "
                                          "options).")

    def check(self) -> None:
        if self.overwrite and self.resume:
            raise RunError("Pass either --resume (continue the interrupted run) or --overwrite (start over), not both.")
        if self.resume and self.path is None:
            raise RunError("Resuming needs the run directory of the interrupted run; pass --out with --resume.")
