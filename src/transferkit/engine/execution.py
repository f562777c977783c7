"""Execution: how a run executes (device, precision, evaluation cadence, progress, feature cache) — never what
it trains. Changing it changes no result on the same device, with one exception: under the keep rule `best`, the
validated epochs are the candidates, so the evaluation cadence decides which epochs can be kept."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ..errors import RunError
from .cache_settings import CacheSettings
from .devices import DEVICES, PRECISIONS


@dataclass(frozen=True)
class Execution:
    """`device`: auto, cpu or cuda; `precision`: no, fp16 or bf16; `eval_every`: validate every N epochs (0: only at
    the end of each phase); `progress`: progress bars; `cache`: the feature cache at the freeze boundary."""

    device: str = "auto"
    precision: str = "no"
    eval_every: int = 1
    progress: bool = True
    cache: CacheSettings = field(default_factory=CacheSettings)

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise RunError(f"The 'device' setting must be one of {list(DEVICES)}; got {self.device!r}.")
        if self.precision not in PRECISIONS:
            raise RunError(f"The 'precision' setting must be one of {list(PRECISIONS)}; got {self.precision!r}.")
        every = self.eval_every
        if isinstance(every, bool) or not isinstance(every, int) or every < 0:
            raise RunError(f"The 'eval_every' setting must be a whole number of at least 0; got {every!r}.")
        if not isinstance(self.progress, bool):
            raise RunError(f"The 'progress' setting must be true or false; got {self.progress!r}.")
        if not isinstance(self.cache, CacheSettings):
            raise RunError(f"The 'cache' setting must be CacheSettings; got {self.cache!r}.")

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "cache"} | {
            "cache": self.cache.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Execution:
        known = {f.name for f in fields(cls)}
        if not isinstance(data, dict):
            raise RunError(f"The execution settings must be a mapping; got {data!r}.")
        unknown = sorted(set(data) - known)
        if unknown:
            raise RunError(f"Unknown execution setting {unknown[0]!r}; valid settings are {sorted(known)}.")
        values = dict(data)
        if "cache" in values:
            values["cache"] = CacheSettings.from_dict(values["cache"])
        return cls(**values)
