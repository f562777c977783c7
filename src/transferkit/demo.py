"""`transferkit demo`: pretrain on the built-in source (cached), then adapt to real handwritten digits."""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path
from typing import Any

from .api import adapt, load_model, load_target, pretrain
from .cache import cache_dir, config_key
from .console import logger
from .models import is_model_dir
from .report.rundir import check_output_dir, write_json

SOURCE = {"data": "synthetic:glyphs", "model": "timm:resnet10t", "epochs": 4, "input_size": 32, "seed": 0,
          "lr": 2e-3, "batch_size": 128}
TARGET = "digits"
LABELS_PER_CLASS = 10
STRATEGIES = ["scratch", "linear-probe", "linear-probe:init=random", "partial", "full", "lp-ft", "surgical", "bitfit",
              "lora", "l2sp", "keras-guide", "fastai"]
SOURCE_VERSION = 2  # bump when the built-in source data or pretraining recipe changes


def source_model(progress: bool = True) -> Path:
    """The demo's pretrained source model, trained once and kept in the cache directory."""
    key = config_key({**SOURCE, "version": SOURCE_VERSION})
    path = cache_dir() / "models" / f"{SOURCE['model'].replace(':', '-')}-glyphs-{key}"
    if is_model_dir(path):
        logger.info("Using the cached source model %s", path)
        return path
    logger.info("Pretraining %s on %s (step 1; cached for next time)", SOURCE["model"], SOURCE["data"])
    return pretrain(
        SOURCE["data"], SOURCE["model"], out=path, epochs=SOURCE["epochs"], seed=SOURCE["seed"],
        input_size=SOURCE["input_size"], lr=SOURCE["lr"], batch_size=SOURCE["batch_size"], overwrite=True,
        progress=progress,
    )


def slug(strategy: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", strategy).strip("-")


def run_demo(
    out: str | Path = "transferkit-demo",
    *,
    seeds: int = 3,
    epochs: int = 10,
    strategies: list[str] | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Pretrain (or reuse) the source model, adapt it with each strategy and seed; return the summary."""
    out = check_output_dir(out, overwrite)
    strategies = strategies or STRATEGIES
    started = time.perf_counter()
    model_path = source_model(progress)
    backbone = load_model(str(model_path))
    rows: dict[str, dict[str, Any]] = {s: {"runs": []} for s in strategies}
    for seed in range(seeds):
        data = load_target(TARGET, backbone.preprocessing, labels_per_class=LABELS_PER_CLASS, seed=seed,
                           progress=progress)
        for strategy in strategies:
            # validation only at phase ends: the demo reports final weights, and this keeps it within its time
            run = adapt(backbone, data, strategy, out=out / slug(strategy) / f"seed{seed}", epochs=epochs, seed=seed,
                        overwrite=overwrite, progress=progress, eval_every=0)
            trainable = max(p["trainable_params"] for p in run.record["plan"]["phases"])
            rows[strategy]["term"] = run.term
            rows[strategy]["trainable_params"] = trainable
            rows[strategy]["runs"].append({"seed": seed, "dir": str(run.dir), "val": run.val_accuracy,
                                            "test": run.test_accuracy,
                                            "seconds": run.record["timing"]["total_seconds"]})
    for row in rows.values():
        for key in ("val", "test", "seconds"):
            values = [r[key] for r in row["runs"]]
            row[key] = {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0}
    summary = {"source_model": str(model_path), "source": SOURCE, "target": TARGET,
               "labels_per_class": LABELS_PER_CLASS, "seeds": seeds, "epochs": epochs, "strategies": rows,
               "seconds": round(time.perf_counter() - started, 1)}
    write_json(out / "summary.json", summary)
    return summary
