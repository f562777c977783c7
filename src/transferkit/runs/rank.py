"""`rank`: score several networks on a target before any training, from one forward pass of each over the target's
labelled training split, and write ranking.json and report.html.

Every network is loaded first, so a name that does not exist or weights that cannot be found end the command
before any forward pass or file. The target is split as `compare` splits it for the same seed, but only the
training split is read and forwarded: no score reads the validation or test images (the probe's accuracy is
cross-validated on the training features), and on a full data set they are most of the work. The features come
through the feature cache of the linear probe's phase, as a store of the training images alone: a later `compare`
or `adapt` on the same network, data and seed copies its rows and forwards only its validation and test images.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..console import Printable, logger
from ..data import load_data
from ..engine import frozen_features
from ..errors import ModelError, RunError, TransferkitError
from ..files import StagingDir, check_output_dir, write_json, write_text
from ..models import Backbone
from ..models.catalogue import published_top1
from ..models.hub import HubUnreachable
from ..models.spec import parse_spec
from ..plans import plan_from_spec
from ..report.ranking_html import render_ranking
from ..select.ranking import (NetworkFeatures, not_measured_lines, ranking_order, ranking_table, score_network,
                              source_head_reason)
from ..settings import Output, RankSettings, RunSpec
from .loading import load_model

# the phase whose feature cache rank fills: the linear probe's (also lp-ft's first phase)
PROBE_STRATEGY = "linear-probe"


@dataclass
class Ranking:
    """What `rank` found: `doc` (ranking.json's content) and the directory written (None without --out)."""

    doc: dict[str, Any]
    dir: Path | None = None

    @property
    def order(self) -> list[str]:
        return list(self.doc["order"])

    def table(self) -> Printable:
        return ranking_table(self.doc)

    def notes(self) -> list[str]:
        return not_measured_lines(self.doc)


def _features(model: str, backbone, spec: RunSpec) -> NetworkFeatures:
    """One forward pass of `backbone` over the training split (through the feature cache), and its source logits."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    data = load_data(spec.data, backbone.preprocessing, seed=spec.seed, progress=spec.execution.progress,
                     reading=spec.execution.reading(), train_only=True)
    timings["data"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    found = frozen_features(plan_from_spec(PROBE_STRATEGY), backbone, data, spec.seed, spec.execution)
    timings["features"] = round(time.perf_counter() - started, 3)
    logits = None
    if backbone.origin.get("pretrained"):
        with torch.no_grad():
            backbone.model.eval()
            head = backbone.head_module()
            logits = head(torch.from_numpy(found.train)).float().numpy()
    classes = backbone.origin.get("source_classes")
    top1, top1_source = published_top1(model)
    details = {"parameters": sum(p.numel() for p in backbone.model.parameters()),
               "input_size": int(backbone.preprocessing.input_size[-1]), "imagenet_top1": top1,
               "imagenet_top1_source": top1_source, "feature_cache": found.cache, "load_seconds": timings}
    return NetworkFeatures(model, found.train, np.asarray(data.train.labels), logits,
                           tuple(classes) if classes else None, details)


def _load(spec: RunSpec):
    try:
        return load_model(spec.model)
    except HubUnreachable:
        raise HubUnreachable(f"No pretrained weights for {spec.model.spec} on this machine (no hub access, no "
                             "installed package or cached download holds them); rank networks that 'transferkit "
                             "models' lists, or pass --no-pretrained for random weights.") from None


def _failed(model: str, error: str, seconds: float) -> dict[str, Any]:
    return {"model": model, "status": "failed", "error": error, "scores": {}, "not_measured": {},
            "total_seconds": round(seconds, 3)}


def ranking_doc(spec: RunSpec, backbones: dict[str, tuple[Backbone, float]], score: str) -> dict[str, Any]:
    """ranking.json's content: every network of `backbones` (model spec -> the loaded backbone and the seconds its
    loading took) scored on `spec`'s training split, in order of `score`."""
    started = time.perf_counter()
    gathered: list[NetworkFeatures | dict[str, Any]] = []
    for m, (backbone, load_seconds) in backbones.items():
        net_started = time.perf_counter()
        try:
            net = _features(m, backbone, spec)
        except TransferkitError as exc:  # this network cannot be scored; the others still are
            logger.warning("%s failed: %s", m, exc)
            gathered.append(_failed(m, str(exc), time.perf_counter() - net_started + load_seconds))
            continue
        net.details["load_seconds"]["model"] = load_seconds
        gathered.append(net)
    networks = [n for n in gathered if isinstance(n, NetworkFeatures)]
    reason = source_head_reason(networks) if networks else None
    rows = []
    for item in gathered:
        if isinstance(item, dict):
            rows.append(item)
            continue
        loads = item.details.pop("load_seconds")
        row = score_network(item, spec.seed, reason)
        row["seconds"] = {**loads, **row["seconds"]}
        row["total_seconds"] = round(sum(row["seconds"].values()), 3)
        rows.append(row)
    return {
        "data": spec.data.spec, "labels_per_class": spec.data.labels_per_class, "seed": spec.seed,
        "split": "the training split that compare draws for this seed (only it is read and forwarded)",
        "score": score, "order": ranking_order(rows, score), "networks": rows,
        "source_head_scores": {"comparable": reason is None, "reason": reason},
        "spec": {k: v for k, v in spec.to_dict().items() if k != "model"},
        "seconds": round(time.perf_counter() - started, 3),
    }


def rank(spec: RunSpec, settings: RankSettings, output: Output = Output()) -> Ranking:
    """Rank `settings.models` on `spec.data` by `settings.score` (every score is computed); write `output.path`."""
    models = settings.models or ((spec.model.spec,) if spec.model.spec else ())
    if not models:
        raise ModelError("Give the networks to rank with --models A,B,... ('transferkit models' lists those ready "
                         "here).")
    if spec.data.source is not None:
        raise RunError("rank scores networks on the labelled target; drop --source.")
    if output.path is not None:
        check_output_dir(output.path, output.overwrite)
    started = time.perf_counter()
    for m in models:  # every name first (cheap), then every network's weights, before any forward pass
        parse_spec(m)
    backbones = {}
    for m in models:
        load_started = time.perf_counter()
        backbones[m] = (_load(spec.replace(model=m)), round(time.perf_counter() - load_started, 3))
    doc = ranking_doc(spec, backbones, settings.score)
    doc["seconds"] = round(time.perf_counter() - started, 3)
    if output.path is None:
        return Ranking(doc)
    with StagingDir(output.path, output.overwrite) as staging:
        write_json(staging.path / "ranking.json", doc)
        write_text(staging.path / "report.html", render_ranking(doc))
        return Ranking(doc, staging.commit())
