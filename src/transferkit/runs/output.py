"""Output: where a run directory goes and what may happen to what is already there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import RunError


@dataclass(frozen=True)
class Output:
    """`path`: the directory to write (None: write nothing); `overwrite`: replace an existing one, or discard an
    interrupted run of it; `resume`: continue the interrupted run of `path` from its last checkpoint."""

    path: Path | None = None
    overwrite: bool = False
    resume: bool = False

    def __post_init__(self) -> None:
        if self.path is not None:
            object.__setattr__(self, "path", Path(self.path))
        if self.overwrite and self.resume:
            raise RunError("Pass either --resume (continue the interrupted run) or --overwrite (start over), not both.")
        if self.resume and self.path is None:
            raise RunError("Resuming needs the run directory of the interrupted run; pass --out with --resume.")
