"""RunSpec: the whole request of one run — the model, the data, how to execute, the seed, what overrides the plan's
own settings, and which weights the run keeps. Frozen, checked once on construction, round-tripped through
`to_dict`/`from_dict` (run.json stores it under `spec`). Keyword settings (`labels_per_class=10`, `device="cpu"`,
`cache_mem="512MB"`, ...) are routed to the record that owns each name, so the API and the command line build one
the same way."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..errors import RunError
from .constraints import Whole
from .data_ref import DataRef
from .execution import Execution
from .fields import Record, nested, setting
from .keep_rule import KeepRule
from .model_ref import ModelRef
from .overrides import Overrides


@dataclass(frozen=True)
class RunSpec(Record):
    """`model` and `data` say what; `execution` how (never changing a result on the same device); `seed` decides the
    split, the head's initialization and the data order; `overrides` replace settings in every phase of the plan;
    `keep_rule` says which epoch's weights the run ends with and when a phase stops early."""

    error = RunError
    kind = "run spec"
    panel = "Run"

    model: ModelRef = nested(ModelRef)
    data: DataRef = nested(DataRef)
    execution: Execution = nested(Execution)
    seed: int = setting(0, Whole(min=0, example=1), "Random seed (splits, head initialization, data order).")
    overrides: Overrides = nested(Overrides)
    keep_rule: KeepRule = nested(KeepRule)

    @classmethod
    def build(cls, model: str | ModelRef, data: str | DataRef, **settings: Any) -> RunSpec:
        """A RunSpec from a model and a data spec (strings or records) and keyword settings of any record."""
        model_ref = model if isinstance(model, ModelRef) else ModelRef(model)
        data_ref = data if isinstance(data, DataRef) else DataRef(data)
        return cls(model_ref, data_ref).replace(**settings)

    def replace(self, **settings: Any) -> RunSpec:
        """A copy with keyword settings changed, each routed to the record that owns it (`seed=1`, `device="cpu"`,
        `labels_per_class=10`, `cache_mem="512MB"`, `epochs=5`, ...); `model`/`data` replace the spec string, or the
        whole record when given one."""
        base = self
        for name in ("model", "data"):
            if isinstance(settings.get(name), (ModelRef, DataRef)):
                base = dataclasses.replace(base, **{name: settings.pop(name)})
        return self.with_settings(base, settings)

    @classmethod
    def from_dict(cls, data: Any) -> RunSpec:
        if not isinstance(data, dict) or not {"model", "data"} <= set(data):
            raise RunError(f"A run spec must be a mapping with 'model' and 'data'; got {data!r}.")
        # runs recorded before the keep rule existed ended with their last epoch
        return super().from_dict({**data, "keep_rule": data.get("keep_rule", {"keep": "last"})})
