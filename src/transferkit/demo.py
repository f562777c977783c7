"""`transferkit demo`: pretrain on the built-in source (cached), then compare strategies on real handwritten digits."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.table import Table

from .api import Comparison, compare, load_model, pretrain
from .cache import cache_dir, config_key
from .console import logger
from .models import is_model_dir
from .files import check_output_dir
from .select.table import fmt_bytes

# resnet10t at half width: transfers as well as the full width here, at a quarter of the compute on a CPU
SOURCE = {"data": "synthetic:glyphs", "model": "timm:resnet10t?channels=32,64,128,256&stem_width=16",
          "epochs": 4, "input_size": 32, "seed": 0,
          "lr": 2e-3, "batch_size": 128}
TARGET = "digits"
LABELS_PER_CLASS = 10
STRATEGIES = ["scratch", "linear-probe", "linear-probe:init=random", "partial", "full", "lp-ft", "surgical", "bitfit",
              "lora", "l2sp", "keras-guide", "fastai"]
SOURCE_VERSION = 3  # bump when the built-in source data or pretraining recipe changes


def source_model(progress: bool = True) -> Path:
    """The demo's pretrained source model, trained once and kept in the cache directory."""
    key = config_key({**SOURCE, "version": SOURCE_VERSION})
    path = cache_dir() / "models" / f"resnet10t-half-glyphs-{key}"
    if is_model_dir(path):
        logger.info("Using the cached source model %s", path)
        return path
    logger.info("Pretraining %s on %s (step 1; cached for next time)", SOURCE["model"], SOURCE["data"])
    return pretrain(
        SOURCE["data"], SOURCE["model"], out=path, epochs=SOURCE["epochs"], seed=SOURCE["seed"],
        input_size=SOURCE["input_size"], lr=SOURCE["lr"], batch_size=SOURCE["batch_size"], overwrite=True,
        progress=progress,
    )


def run_demo(
    out: str | Path = "transferkit-demo",
    *,
    seeds: int = 3,
    epochs: int = 10,
    strategies: list[str] | None = None,
    search: str = "exhaustive",
    overwrite: bool = False,
    progress: bool = True,
) -> Comparison:
    """Pretrain (or reuse) the source model, then compare the strategies on the target; write `out` with its report."""
    check_output_dir(out, overwrite)
    model_path = source_model(progress)
    # each preset at its own learning rate, validated at phase ends: this keeps the demo within minutes on a CPU
    result = compare(load_model(str(model_path)), TARGET, strategies or STRATEGIES, out=out, seeds=seeds,
                     epochs=epochs, search=search, labels_per_class=LABELS_PER_CLASS, overwrite=overwrite,
                     progress=progress, lr_factors=(1.0,), eval_every=0, show_test=True)
    logger.info("Demo comparison written to %s (open report.html)", result.dir)
    return result


def _mean_std(summary: dict) -> str:
    if summary.get("mean") is None:
        return "-"
    std = summary.get("std")
    return f"{summary['mean']:.1%}" + (f" ± {std:.1%}" if std is not None else "")


def demo_table(result: Comparison) -> Table:
    """Strategy, term, trainable parameters, validation and test accuracy (mean ± std over seeds), time per run."""
    board = result.leaderboard
    plans = board.get("plans", [])
    table = Table(title=f"{TARGET}, {LABELS_PER_CLASS} labels per class, {len(board.get('seeds', []))} seeds, "
                        f"{board.get('epochs')} epochs per strategy, each at its preset's learning rate",
                  caption="mean ± standard deviation over seeds; the winner is chosen on validation accuracy only")
    with_memory = any(r.get("peak_memory_bytes") is not None for r in board["rows"])  # per run on CUDA only
    for col in ("strategy", "term", "trainable params", "val accuracy", "test accuracy", "s/run",
                *(["peak GPU memory"] if with_memory else [])):
        table.add_column(col, justify="left" if col in ("strategy", "term") else "right",
                         overflow="fold" if col == "term" else "ellipsis")
    for row in sorted(board["rows"], key=lambda r: plans.index(r["plan"]) if r["plan"] in plans else len(plans)):
        table.add_row(escape(row["plan"]), escape(row.get("term") or "-"),
                      "-" if row["trainable_params"] is None else f"{row['trainable_params']:,}",
                      _mean_std(row["val"]), _mean_std(row["test"]),
                      "-" if row["seconds"] is None else f"{row['seconds']:.1f}",
                      *([fmt_bytes(row["peak_memory_bytes"])] if with_memory else []),
                      style="bold green" if row.get("winner") else None)
    return table
