"""The networks of a comparison: its one network (`--model`), or several (`--models`), each loaded once before any
training, with the data split for each seed as that network reads it (seed k draws the same images, split k, for every
network and plan, so scores pair across networks as they pair across plans) and, with several, what each costs to use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..data import DataSplits
from ..console import logger
from ..errors import ModelError, PlanError, RunError
from ..models import Backbone
from ..models.spec import parse_spec
from ..select.candidates import Candidate, on_networks
from ..select.inference_cost import inference_cost
from ..select.pareto import mark_pareto
from ..settings import ModelRef, RunSpec
from ..settings.rank import DEFAULT_RANK_SCORE
from .compare_holdout import given_with_holdout
from .loading import load_model, load_splits
from .rank import ranking_doc


@dataclass
class Network:
    """One network of a comparison: its `name` in the leaderboard (None: the comparison's only network), the
    ModelRef its runs record, and the loaded backbone every run copies."""

    name: str | None
    model: ModelRef
    backbone: Backbone


def network_names(specs: tuple[str, ...]) -> list[str]:
    """Short names: a model directory by its folder name, a library network by its spec; the spec where two
    folder names agree."""
    short = [Path(s).name if Path(s).is_dir() else s for s in specs]
    return [n if short.count(n) == 1 else s for n, s in zip(short, specs)]


def failure_reason(exc: BaseException) -> str:
    """Why a run failed, in one line: a transferkit error's message, else the error's type and first line."""
    if isinstance(exc, (RunError, PlanError, ModelError)):
        return str(exc)
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _score(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.3f}"


class CompareNetworks:
    """The networks of a comparison and their data; see the module's docstring."""

    def __init__(self, spec: RunSpec, models: tuple[str, ...] | None, backbone: Backbone | None = None,
                 splits: DataSplits | None = None):
        self.spec, self.given = spec, splits
        self.several = models is not None
        self._splits: dict[tuple[str | None, int], DataSplits] = {}
        self.costs: dict[str, dict[str, Any]] = {}
        if not self.several:
            self.networks = [Network(None, spec.model, load_model(backbone if backbone is not None else spec.model))]
            return
        if backbone is not None or splits is not None:
            raise RunError("With models=[...] pass the model and data as specs, not as a loaded backbone or splits: "
                           "each network loads and prepares the data its own way.")
        if spec.model.weights is not None:
            raise ModelError("--weights names one network's weights file; with --models every network loads its own "
                             "pretrained weights: drop --weights, or compare plans on one network with --model.")
        for model in models:  # every name known before any network loads
            parse_spec(model)
        refs = [dataclasses.replace(spec.model, spec=model) for model in models]
        self.networks = [Network(name, ref, self._load(ref)) for name, ref in zip(network_names(models), refs)]

    @staticmethod
    def _load(ref: ModelRef) -> Backbone:
        try:
            return load_model(ref)
        except ModelError as exc:
            raise ModelError(f"{exc} (network '{ref.spec}' of --models; leave it out to compare the others)") from None

    @property
    def first(self) -> Network:
        return self.networks[0]

    @property
    def failures(self) -> tuple[type[BaseException], ...]:
        """What fails a run without failing the comparison: bad settings for it (a diverging loss) and, with several
        networks, whatever one network cannot do (out of memory, an input size it cannot take)."""
        return (RunError, PlanError, ModelError, RuntimeError) if self.several else (RunError, PlanError)

    def keep_top(self, count: int | None, seed: int) -> dict[str, Any] | None:
        """Rank the networks as `rank` does (its default score, on split `seed`'s training images) and keep the
        `count` best before any training; leaderboard.json's `top_networks` (None without `count`)."""
        if count is None:
            return None
        names = [n.name for n in self.networks]
        if count >= len(self.networks):
            note = f"--top-networks {count} keeps all {len(names)} networks (none ranked)"
            logger.info("%s.", note)
            return {"count": count, "kept": names, "dropped": [], "note": note}
        if self.spec.data.source is not None:
            raise RunError("--top-networks ranks the networks on labelled target images, which domain adaptation "
                           "(--source) does not have; drop --top-networks, or --source.")
        spec = dataclasses.replace(self.spec, seed=seed)
        doc = ranking_doc(spec, {n.model.spec: (n.backbone, 0.0) for n in self.networks}, DEFAULT_RANK_SCORE)
        by_spec = {n.model.spec: n for n in self.networks}
        scores = {row["model"]: (row.get("scores") or {}).get(DEFAULT_RANK_SCORE) for row in doc["networks"]}
        ranked = [{"network": by_spec[m].name, "spec": m, "rank": i, "score": scores[m]}
                  for i, m in enumerate(doc["order"], 1)]
        self.networks = [by_spec[m] for m in doc["order"][:count]]
        dropped = ranked[count:]
        logger.info("Kept the %d best of %d networks by %s before training; dropped %s.", count, len(names),
                    DEFAULT_RANK_SCORE, ", ".join(f"{d['network']} ({_score(d['score'])})" for d in dropped))
        return {"count": count, "score": DEFAULT_RANK_SCORE, "seed": seed, "ranking": ranked,
                "kept": [n.name for n in self.networks], "dropped": dropped}

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_splits": {}}  # another process loads its own
    def mean(self, measure: Callable[[Network], float]) -> float:
        """The mean of `measure` over the networks (e.g. the seconds of one epoch, for a time budget)."""
        return sum(measure(n) for n in self.networks) / len(self.networks)

    def of(self, candidate: Candidate) -> Network:
        return self.named(candidate.network)

    def named(self, name: str | None) -> Network:
        """The network of that name (None: the comparison's only network)."""
        return next(n for n in self.networks if n.name == name)

    def cross(self, candidates: list[Candidate]) -> list[Candidate]:
        """The candidates on every network (unchanged with one)."""
        return on_networks(candidates, [n.name for n in self.networks]) if self.several else candidates

    def resolve(self, candidates: list[Candidate]) -> None:
        """Fail on stages a plan names but a network lacks, before any training."""
        for network in self.networks:
            for plan in {id(c.plan): c.plan for c in candidates}.values():
                plan.resolve(network.backbone.stage_names)

    def splits(self, seed: int, name: str | None = None) -> DataSplits:
        """Split `seed` of the spec's data (or the given splits) prepared for network `name` (default: the first)."""
        network = self.named(name) if name is not None else self.first
        key = (network.name, seed)
        if key not in self._splits:
            self._splits[key] = (given_with_holdout(self.given, self.spec, seed) if self.given is not None else
                                 load_splits(dataclasses.replace(self.spec, seed=seed),
                                             network.backbone.preprocessing))
        return self._splits[key]

    def measure(self, candidates: list[Candidate], classes: int) -> None:
        """Each network's inference cost at the run's batch size (--batch-size, else the first plan's first phase's),
        on the run's device (several networks only). A network that cannot run a forward pass fails here, before
        any training."""
        if not self.several:
            return
        batch = self.spec.overrides.batch_size or candidates[0].plan.phases[0].batch_size
        execution = self.spec.execution
        for network in self.networks:
            try:
                self.costs[network.name] = inference_cost(network.backbone, classes, batch, execution.device,
                                                          execution.precision)
            except RuntimeError as exc:
                raise ModelError(f"Network '{network.model.spec}' cannot run a forward pass at input size "
                                 f"{network.backbone.preprocessing.input_size[1]} and batch size {batch} "
                                 f"({failure_reason(exc)}); "
                                 "leave it out of --models or pass another --input-size.") from None

    def title(self) -> str:
        count = len(self.networks)
        return f"{count} network{'s' if count != 1 else ''} x " if self.several else ""

    def record(self) -> list[dict[str, Any]] | None:
        """leaderboard.json's `networks`: per network its name, spec, stages and inference cost (None with one)."""
        if not self.several:
            return None
        return [{"name": n.name, "spec": n.model.spec, "stages": n.backbone.stage_names,
                 "inference": self.costs.get(n.name)} for n in self.networks]

    def add_costs(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Each row of `doc` with its network's inference cost and whether it is on the Pareto front of accuracy
        against that cost (several networks only)."""
        if self.several:
            for row in doc["rows"]:
                row["inference"] = self.costs.get(row["network"])
            mark_pareto(doc["rows"])
        return doc
