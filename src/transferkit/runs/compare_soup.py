"""compare --soup: a greedy soup per seed over the comparison's finished runs of that seed (they share the pretrained
network, the seed's head initialization and split), written as a run directory `soups/seedK` beside the runs and
scored on the validation, holdout and test splits like any run; one leaderboard row, never chosen by the selection
rule (its ingredients were chosen on the same validation data)."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any, Callable

import torch
from safetensors.torch import load_file

from ..console import logger
from ..data import DataSplits
from ..engine import classification_metrics
from ..files import write_json
from ..models import save_model_dir
from ..models.model_dir import WEIGHTS_FILE
from ..models.safe_load import sha256_file
from ..select import entry_from_record
from ..select.soup import SOUP_PLAN, SOUP_RULE, greedy_soup
from ..settings.choices import METRIC_KEYS
from ..use import load
from ..use.model_card import write_model_card

SOUPS = "soups"


def soup_entries(root: Path, entries: list[dict[str, Any]], splits_for: Callable[[int], DataSplits],
                 metric: str) -> list[dict[str, Any]]:
    """The leaderboard entries of the soups of every seed (their run directories written under `root`)."""
    out = []
    for seed in sorted({e["seed"] for e in entries}):
        runs = [e for e in entries if e["seed"] == seed and e["status"] == "ok" and e.get("dir")
                and not e.get("control") and not e.get("domain_adaptation")]
        if runs:
            out.append(_soup_of_seed(root, runs, splits_for(seed), metric))
    return out


class _Scorer:
    """Scores of weights on the splits of one seed, through one loaded network."""

    def __init__(self, folder: Path, data: DataSplits):
        self.loaded, self.data = load(folder), data

    def set(self, state: dict[str, torch.Tensor]) -> None:
        self.loaded.model.load_state_dict(state, strict=True)

    def metrics(self, split: str) -> dict[str, Any]:
        part = getattr(self.data, split)
        logits = torch.cat([self.loaded.logits(part.images[i:i + 256]) for i in range(0, len(part), 256)])
        return classification_metrics(part.labels.numpy(), logits.argmax(1).numpy(), self.data.classes,
                                      logits.numpy())


def _soup_of_seed(root: Path, runs: list[dict[str, Any]], data: DataSplits, metric: str) -> dict[str, Any]:
    started = time.perf_counter()
    key = METRIC_KEYS[metric]
    ranked = [e["dir"] for e in sorted(runs, key=lambda e: -e["val"])]
    scorer = _Scorer(root / ranked[0], data)

    def score(state):
        scorer.set(state)
        return scorer.metrics("val")[key]

    ingredients, state, trace = greedy_soup(ranked, lambda d: load_file(str(root / d / WEIGHTS_FILE)), score)
    scorer.set(state)
    metrics = {split: scorer.metrics(split) for split in ("val", "test", "holdout") if getattr(data, split, None)}
    where = f"{SOUPS}/seed{runs[0]['seed']}"
    record = _soup_record(root, ranked[0], ingredients, trace, metrics)
    record["timing"]["total_seconds"] = round(sum(e["seconds"] for e in runs if e["dir"] in ingredients)
                                              + time.perf_counter() - started, 3)
    folder = root / where
    save_model_dir(scorer.loaded.backbone, folder, source={"spec": record["data"]["spec"],
                                                           "fingerprint": record["data"]["fingerprint"]},
                   extra={"classes": record["data"]["classes"]}, overwrite=True)
    write_json(folder / "run.json", record)
    write_model_card(folder, record)
    logger.info("Greedy soup of seed %d: %d of %d runs", runs[0]["seed"], len(ingredients), len(ranked))
    entry = entry_from_record(record, where, metric)
    used = [e for e in runs if e["dir"] in ingredients]
    entry.update(soup=True, ingredients=ingredients, train_images=sum(e["train_images"] for e in used),
                 steps=sum(e["steps"] for e in used), epochs=max(e["epochs"] for e in runs))
    return entry


def _soup_record(root: Path, best: str, ingredients: list[str], trace: list, metrics: dict) -> dict[str, Any]:
    """run.json of a soup: the best ingredient's record (data, preprocessing, network), with the soup's term,
    metrics, and its ingredients with the sha256 of their weights."""
    from ..files import read_json

    record = copy.deepcopy(read_json(root / best / "run.json"))
    term = f"greedy model soup: the uniform average of the weights of {len(ingredients)} fine-tuned runs"
    record.update(strategy=SOUP_PLAN, term=term, metrics=metrics, kept=None, history=[])
    record["description"] = (f"{term[0].upper()}{term[1:]} of seed {record['seed']} ({', '.join(ingredients)}), "
                             f"chosen by {SOUP_RULE}; the network, data and preprocessing are those of {best}.")
    record["comparison"] = {"candidate": SOUP_PLAN, "plan": SOUP_PLAN, "lr_factor": None, "rung": None}
    record["soup"] = {
        "rule": SOUP_RULE,
        "ingredients": [{"dir": d, "weights_sha256": sha256_file(root / d / WEIGHTS_FILE)} for d in ingredients],
        "tried": trace,
        "reproduce": "the uniform average of the ingredients' model.safetensors (transferkit.select.soup."
                     "average_weights), loaded into the first ingredient's network",
    }
    return record
