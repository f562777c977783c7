"""RunSpec: the whole request of one run — the model, the data, how to execute, the seed, and what overrides the
plan's own settings. Frozen, checked once on construction, and round-tripped through `to_dict`/`from_dict` (run.json
stores it under `spec`). Keyword "sugar" (`labels_per_class=10`, `device="cpu"`, ...) is routed to the record that
owns each name, so the API and the CLI build one the same way."""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field, fields
from typing import Any

from ..data import DataRef
from ..engine import CacheSettings, Execution, KeepRule
from ..errors import RunError
from ..models import ModelRef
from .overrides import Overrides

# sugar for the feature-cache settings: keyword -> CacheSettings.parse argument
_CACHE_SUGAR = {"cache": "mode", "cache_views": "views", "cache_mem": "memory"}


def _names(cls, *, without: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name not in without)


SUGAR: dict[str, tuple[str, ...]] = {
    "model": _names(ModelRef, without=("spec",)),
    "data": _names(DataRef, without=("spec",)),
    "execution": _names(Execution, without=("cache",)),
    "cache": tuple(_CACHE_SUGAR),
    "overrides": _names(Overrides),
    "keep_rule": _names(KeepRule),
    "run": ("seed",),
}
SUGAR_NAMES = tuple(name for names in SUGAR.values() for name in names)


@dataclass(frozen=True)
class RunSpec:
    """`model` and `data` say what; `execution` says how (never changing a result on the same device); `seed` decides
    the split, the head's initialization and the data order; `overrides` replace settings in every phase of the plan
    (total epochs, learning rate, batch size, augmentation); `keep_rule` says which epoch's weights the run ends with
    and when a phase stops early (`keep`, `patience`)."""

    model: ModelRef
    data: DataRef
    execution: Execution = field(default_factory=Execution)
    seed: int = 0
    overrides: Overrides = field(default_factory=Overrides)
    keep_rule: KeepRule = field(default_factory=KeepRule)

    def __post_init__(self) -> None:
        for name, kind in (("model", ModelRef), ("data", DataRef), ("execution", Execution), ("overrides", Overrides),
                           ("keep_rule", KeepRule)):
            if not isinstance(getattr(self, name), kind):
                raise RunError(f"RunSpec.{name} must be a {kind.__name__}; got {getattr(self, name)!r}.")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise RunError(f"The seed must be a whole number of at least 0; got {self.seed!r}.")

    @classmethod
    def build(cls, model: str | ModelRef, data: str | DataRef, **sugar: Any) -> RunSpec:
        """A RunSpec from a model and a data spec (strings or records) and keyword settings of any record."""
        model_ref = model if isinstance(model, ModelRef) else ModelRef(str(model))
        data_ref = data if isinstance(data, DataRef) else DataRef(str(data))
        return cls(model_ref, data_ref).replace(**sugar)

    def replace(self, **sugar: Any) -> RunSpec:
        """A copy with keyword settings changed, each routed to the record that owns it (`seed=1`, `device="cpu"`,
        `labels_per_class=10`, `cache_mem="512MB"`, `epochs=5`, ...); `model`/`data` replace the spec string."""
        unknown = [k for k in sugar if k not in SUGAR_NAMES and k not in ("model", "data")]
        if unknown:
            close = difflib.get_close_matches(unknown[0], SUGAR_NAMES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; valid settings are {sorted(SUGAR_NAMES)}."
            raise TypeError(f"Unknown run setting {unknown[0]!r}{hint}")
        model, data = self.model, self.data
        if "model" in sugar:
            model = sugar["model"] if isinstance(sugar["model"], ModelRef) else dataclasses.replace(
                model, spec=str(sugar["model"]))
        if "data" in sugar:
            data = sugar["data"] if isinstance(sugar["data"], DataRef) else dataclasses.replace(
                data, spec=str(sugar["data"]))
        picked = {group: {k: sugar[k] for k in names if k in sugar} for group, names in SUGAR.items()}
        if picked["data"].get("classes") is not None:
            picked["data"]["classes"] = tuple(picked["data"]["classes"])
        execution = self.execution
        if picked["cache"]:
            current = {"mode": execution.cache.mode, "views": execution.cache.views,
                       "memory": execution.cache.memory_budget}
            given = {_CACHE_SUGAR[k]: v for k, v in picked["cache"].items()}
            picked["execution"]["cache"] = CacheSettings.parse(**{**current, **given})
        return RunSpec(
            model=dataclasses.replace(model, **picked["model"]),
            data=dataclasses.replace(data, **picked["data"]),
            execution=dataclasses.replace(execution, **picked["execution"]),
            seed=picked["run"].get("seed", self.seed),
            overrides=dataclasses.replace(self.overrides, **picked["overrides"]),
            keep_rule=dataclasses.replace(self.keep_rule, **picked["keep_rule"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model.to_dict(), "data": self.data.to_dict(), "execution": self.execution.to_dict(),
                "seed": self.seed, "overrides": self.overrides.to_dict(), "keep_rule": self.keep_rule.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSpec:
        if not isinstance(data, dict) or not {"model", "data"} <= set(data):
            raise RunError(f"A run spec must be a mapping with 'model' and 'data'; got {data!r}.")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise RunError(f"Unknown run spec setting {unknown[0]!r}; valid settings are {_names(cls)}.")
        return cls(
            model=ModelRef.from_dict(data["model"]),
            data=DataRef.from_dict(data["data"]),
            execution=Execution.from_dict(data.get("execution", {})),
            seed=data.get("seed", 0),
            overrides=Overrides.from_dict(data.get("overrides", {})),
            # runs recorded before the keep rule existed ended with their last epoch
            keep_rule=KeepRule.from_dict(data.get("keep_rule", {"keep": "last"})),
        )
