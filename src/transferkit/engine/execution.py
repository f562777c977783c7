"""Execution: how a run executes (device, precision, evaluation cadence, progress, feature cache, data reading) —
never what it trains. Changing it changes no result on the same device, with two exceptions: under the keep rule
`best`, the validated epochs are the candidates, so the evaluation cadence decides which epochs can be kept; and a
training split larger than `data_mem` is streamed, and augmented from the original images instead of the resized."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ..errors import RunError
from ..data import ReadSettings
from ..data.read_settings import DEFAULT_DATA_MEM, default_workers
from .cache_settings import CacheSettings, parse_size
from .processes.devices import DEVICES, PRECISIONS


@dataclass(frozen=True)
class Execution:
    """`device`: auto, cpu or cuda; `precision`: no, fp16 or bf16; `eval_every`: validate every N epochs (0: only at
    the end of each phase); `progress`: progress bars; `cache`: the feature cache at the freeze boundary; `workers`:
    processes that decode images (None: one per core, at most 8); `data_mem`: bytes of decoded splits kept in memory
    (a size such as "2GB" is accepted); larger splits stream from disk; `compile`: torch.compile the model;
    `channels_last`: the channels-last memory format; `sync_bn`: batch-norm statistics synchronized across GPUs
    (several GPU processes only); `checkpoint_every`: also checkpoint every N optimizer steps inside an epoch, so a
    long epoch resumes mid-way (None: at epoch ends only)."""

    device: str = "auto"
    precision: str = "no"
    eval_every: int = 1
    progress: bool = True
    cache: CacheSettings = field(default_factory=CacheSettings)
    workers: int | None = None
    data_mem: int = DEFAULT_DATA_MEM
    compile: bool = False
    channels_last: bool = False
    sync_bn: bool = False
    checkpoint_every: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_mem", parse_size(self.data_mem, "data_mem"))
        for name, least in (("workers", 0), ("checkpoint_every", 1)):
            n = getattr(self, name)
            if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < least):
                raise RunError(f"The '{name}' setting must be a whole number of at least {least}; got {n!r}.")
        if self.device not in DEVICES:
            raise RunError(f"The 'device' setting must be one of {list(DEVICES)}; got {self.device!r}.")
        if self.precision not in PRECISIONS:
            raise RunError(f"The 'precision' setting must be one of {list(PRECISIONS)}; got {self.precision!r}.")
        every = self.eval_every
        if isinstance(every, bool) or not isinstance(every, int) or every < 0:
            raise RunError(f"The 'eval_every' setting must be a whole number of at least 0; got {every!r}.")
        for flag in ("progress", "compile", "channels_last", "sync_bn"):
            if not isinstance(getattr(self, flag), bool):
                raise RunError(f"The '{flag}' setting must be true or false; got {getattr(self, flag)!r}.")
        if not isinstance(self.cache, CacheSettings):
            raise RunError(f"The 'cache' setting must be CacheSettings; got {self.cache!r}.")

    def reading(self) -> ReadSettings:
        """How the run's data is read: worker processes and the in-memory budget."""
        return ReadSettings(default_workers() if self.workers is None else self.workers, self.data_mem)

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
