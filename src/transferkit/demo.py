"""`transferkit demo`: compare strategies on real handwritten digits from two sources — a network pretrained here on
the built-in glyphs (step 1 done here, cached) and the ImageNet EfficientNet-Lite0 (step 1 done by others); with
`--text`, the same question for the all-MiniLM-L6-v2 sentence encoder on Debian fortunes by topic."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from .api import Comparison, compare, load_model, pretrain
from .cache import cache_dir, config_key
from .console import logger
from .errors import RunError
from .models import is_model_dir
from .files import StagingDir, check_output_dir
from .select.power import power_words
from .select.table import fmt_bytes
from .settings.demo import DemoSettings

# resnet10t at half width: transfers as well as the full width here, at a quarter of the compute on a CPU
SOURCE = {"data": "synthetic:glyphs", "model": "timm:resnet10t?channels=32,64,128,256&stem_width=16",
          "epochs": 4, "input_size": 32, "seed": 0,
          "lr": 2e-3, "batch_size": 128}
TARGET = "digits"
LABELS_PER_CLASS = 10
# the demo's plans, the same for both sources: the last layer or the top stage learns, and the random-features
# control; they answer "does step 1 pay, and how much of the network should learn?" within a minute on 2 cores.
# `--long` compares more: four baselines, the control and seven recipes here, and lp-ft on ImageNet's network.
STRATEGIES = ["linear-probe", "linear-probe:init=random", "partial"]
LONG_STRATEGIES = ["scratch", "linear-probe", "linear-probe:init=random", "partial", "full", "lp-ft", "surgical",
                   "bitfit", "lora", "l2sp", "keras-guide", "fastai"]
SOURCE_VERSION = 3  # bump when the built-in source data or pretraining recipe changes
# step 1 done by others: real ImageNet weights (installed offline), at a small input size that keeps the demo fast
IMAGENET = {"model": "timm:tf_efficientnet_lite0", "input_size": 32,
            "strategies": STRATEGIES,
            "long_strategies": ["linear-probe", "linear-probe:init=random", "partial", "lp-ft"]}
IMAGE_EPOCHS = 10  # per run, for both image sources
# the text part (--text): a real sentence encoder (installed offline) on real quotations labelled by topic, 3 epochs
# per run as in benchmarks/text_transfer.py. Encoding is the text part's cost, most of it evaluating each fine-tuned
# run on the rest of the data (10 labels per class train; the rest is halved into validation and test), so the
# topics are three distinct ones of about 150 to 200 quotations each.
TEXT = {"model": "hf:sentence-transformers/all-MiniLM-L6-v2", "max_length": 32, "epochs": 3,
        "data": "fortunes?topics=food,law,sports",
        "strategies": ["linear-probe", "linear-probe:init=random", "lp-ft"]}


@dataclass
class Source:
    """One source of the demo: a folder name, words for the tables, and the comparison made from it."""

    slug: str
    label: str
    comparison: Comparison
    target: str = TARGET


@dataclass
class DemoResult:
    """The demo's comparisons, one per source, in `dir` (one sub-folder each) and the wall time."""

    sources: list[Source]
    dir: Path
    seconds: float


def default_jobs() -> int:
    """The demo's runs are small: one per core trains faster than one at a time on all cores."""
    return max(1, min(4, os.cpu_count() or 1))


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


def run_demo(settings: DemoSettings = DemoSettings(), strategies: list[str] | None = None,
             progress: bool = True) -> DemoResult:
    """Compare the strategies on the target from each source; write `settings.out/<source>/` with a report each.

    `strategies` replaces both sources' lists (default: the same three for both;
    with `settings.long`, twelve for the network pretrained here and four for ImageNet's)."""
    out, seeds, search = settings.out, settings.seeds, settings.search
    epochs = settings.epochs or (TEXT["epochs"] if settings.text else IMAGE_EPOCHS)
    if settings.text and settings.long:
        raise RunError("--long lengthens the image demo; --text has its own three strategies: drop one of them.")
    check_output_dir(out, settings.overwrite)
    jobs = settings.jobs or default_jobs()
    started = time.perf_counter()
    glyph_plans, imagenet_plans = ((LONG_STRATEGIES, IMAGENET["long_strategies"]) if settings.long else
                                   (STRATEGIES, IMAGENET["strategies"]))
    plans = [
        ("glyphs-resnet10t", "resnet10t (half width) pretrained here on synthetic glyphs",
         lambda: load_model(str(source_model(progress))), strategies or glyph_plans),
        ("imagenet-efficientnet-lite0", f"EfficientNet-Lite0 pretrained on ImageNet, at {IMAGENET['input_size']} px",
         lambda: load_model(IMAGENET["model"], input_size=IMAGENET["input_size"]), strategies or imagenet_plans),
    ]
    target = TARGET
    if settings.text:
        plans = [("text-all-minilm-l6-v2", f"all-MiniLM-L6-v2 (sentence encoder), {TEXT['max_length']} tokens",
                  lambda: load_model(TEXT["model"], max_length=TEXT["max_length"]), strategies or TEXT["strategies"])]
        target = TEXT["data"]
    sources = []
    with StagingDir(out, settings.overwrite) as staging:
        for slug, label, backbone, chosen in plans:
            logger.info("Comparing %d strategies from %s", len(chosen), label)
            # each preset at its own learning rate, validated at phase ends: this keeps the demo within minutes on a CPU
            comparison = compare(backbone(), target, chosen, out=staging.path / slug, seeds=seeds, epochs=epochs,
                                 search=search, labels_per_class=LABELS_PER_CLASS, progress=progress,
                                 lr_factors=(1.0,), eval_every=0, show_test=True, jobs=jobs)
            sources.append(Source(slug, label, comparison, target))
        folder = staging.commit()
    for source in sources:
        source.comparison.dir = folder / source.slug
    logger.info("Demo comparisons written to %s (open */report.html)", folder)
    return DemoResult(sources, folder, time.perf_counter() - started)


def _test_of(board: dict, plan: str) -> dict | None:
    row = next((r for r in board["rows"] if r["plan"] == plan), None)
    return None if row is None else row["test"]


def sources_table(result: DemoResult) -> Table:
    """Per source: the chosen plan, its test accuracy, and the linear probe on pretrained against random weights."""
    target = result.sources[0].target if result.sources else TARGET
    table = Table(title=f"Which source transfers better to {target} ({LABELS_PER_CLASS} labels per class)?",
                  caption="test accuracy, mean ± standard deviation over seeds; gain = probe on pretrained features "
                          "minus probe on random features of the same architecture")
    for col in ("source", "chosen plan", "chosen by", "its test accuracy", "linear probe", "probe, random weights",
                "gain"):
        table.add_column(col, justify="left" if col in ("source", "chosen plan", "chosen by") else "right")
    for source in result.sources:
        board = source.comparison.leaderboard
        winner = source.comparison.winner
        probe, random = _test_of(board, "linear-probe"), _test_of(board, "linear-probe:init=random")
        gain = "-"
        if probe and random and probe.get("mean") is not None and random.get("mean") is not None:
            gain = f"{(probe['mean'] - random['mean']) * 100:+.1f} points"
        table.add_row(escape(source.label), escape(winner["plan"]) if winner else "-", escape(chosen_by(board)),
                      _mean_std(winner["test"]) if winner else "-", _mean_std(probe or {}),
                      _mean_std(random or {}), gain)
    return table


def chosen_by(board: dict) -> str:
    """Which rule chose the winner, and how: 'highest mean (--prefer cheapest-equivalent, margin 1 point; 3 seeds)'."""
    winner, selection = board.get("winner"), board.get("selection") or {}
    if not winner:
        return "-"
    how = ("highest mean" if winner.get("chosen_by") == "highest mean" else
           "source-only kept" if (winner.get("protected_by_source_only") or {}).get("applied") else
           f"cheaper than {winner['best']}, shown equivalent")
    rule = f"--prefer {selection.get('prefer', '?')}"
    if selection.get("prefer") == "cheapest-equivalent":
        rule += f", margin {selection['margin_points']:g} point{'' if selection['margin_points'] == 1 else 's'}"
    seeds = winner["val"]["n"]
    return f"{how} ({rule}; {seeds} seed{'' if seeds == 1 else 's'})"


def rule_sentence(board: dict) -> str:
    """The demo's words for one leaderboard: which rule chose the winner, why, and what its seeds could detect."""
    winner = board.get("winner")
    if not winner:
        return f"No plan chosen: {board.get('no_winner') or 'no plan finished'}."
    power = power_words(board.get("power"))
    return f"{winner['plan']} chosen by {chosen_by(board)}: {winner['reason']}." + (f" {power}" if power else "")


def _mean_std(summary: dict) -> str:
    if summary.get("mean") is None:
        return "-"
    std = summary.get("std")
    return f"{summary['mean']:.1%}" + (f" ± {std:.1%}" if std is not None else "")


def demo_table(result: Comparison, source: str = "", target: str = TARGET) -> Table:
    """Strategy, term, trainable parameters, validation and test accuracy (mean ± std over seeds), time per run."""
    board = result.leaderboard
    plans = board.get("plans", [])
    table = Table(title=f"{source + ': ' if source else ''}{target}, {LABELS_PER_CLASS} labels per class, {len(board.get('seeds', []))} seeds, "
                        f"{board.get('epochs')} epochs per strategy, each at its preset's learning rate",
                  caption="mean ± standard deviation over seeds; the winner is chosen on validation accuracy only. "
                          + escape(rule_sentence(board)))
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
