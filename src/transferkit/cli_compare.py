"""The `compare`, `report` and `demo` commands (registered on the app in cli.py): thin; parse, call, print."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from . import api
from . import cli_options as opt
from .console import results
from .errors import RunError
from .runs import Comparison


def parse_factors(text: str) -> list[float]:
    """'1/3,1,3' -> [0.333..., 1.0, 3.0] (decimals and fractions)."""
    try:
        return [float(Fraction(part.strip())) for part in text.split(",")]
    except (ValueError, ZeroDivisionError):
        raise RunError(f"--lr-factors must be comma-separated numbers such as 1/3,1,3; got {text!r}.") from None


def print_result(result: Comparison) -> None:
    """The final leaderboard table, the chosen plan in one sentence, and where the files are."""
    results.print(result.table())
    results.print(escape(result.chosen()), soft_wrap=True)
    if result.dir is not None:
        results.print(f"Leaderboard: [bold]{result.dir / 'leaderboard.json'}[/]; report: [bold]{result.report}[/]")


def compare(
    model: str = opt.model(),
    data: str = opt.target(),
    strategies: str = typer.Option("all", help="'all' (every preset that fits the data: the domain-adaptation ones only with --source) or a comma-separated list of presets, NAME:key=value specs and plan files."),
    out: Path = typer.Option(..., help="Directory to write: a run directory per plan, learning rate and seed under runs/, leaderboard.json, report.html."),
    seeds: int = typer.Option(3, min=1, help="Seeds per plan; seed k also draws split k, the same for every plan."),
    epochs: Optional[int] = opt.epochs("Epochs per plan, the same for every plan (default 10)."),
    time_budget: Optional[float] = typer.Option(None, help="Seconds for the whole comparison, turned into one epoch budget for every plan (instead of --epochs)."),
    search: str = typer.Option("exhaustive", help="exhaustive (every plan, learning rate and seed) or halving (successive halving over plans x learning rates)."),
    eta: int = typer.Option(3, min=2, help="Successive halving: each rung keeps the best 1/eta and trains them eta times longer."),
    lr_factors: str = typer.Option("1/3,1,3", help="Learning-rate grid: every phase's learning rate (the plan's, or --lr) times each factor; chosen on validation."),
    lr_search: str = typer.Option("grid", help="grid (the --lr-factors, chosen on validation) or range (one factor per plan from a learning-rate range test on training images: steepest descent of the loss)."),
    lr: Optional[float] = opt.lr(),
    batch_size: Optional[int] = opt.batch_size(),
    max_steps: Optional[int] = opt.max_steps(),
    grad_accum: Optional[int] = opt.grad_accum(),
    augment: Optional[str] = opt.augment(),
    randaugment: Optional[str] = opt.timm_augment("randaugment"),
    random_erasing: Optional[float] = opt.timm_augment("random_erasing"),
    mixup: Optional[float] = opt.timm_augment("mixup"),
    cutmix: Optional[float] = opt.timm_augment("cutmix"),
    class_weights: Optional[str] = opt.class_weights(),
    sampler: Optional[str] = opt.sampler(),
    labels_per_class: Optional[int] = opt.labels_per_class(),
    classes: Optional[str] = opt.classes(),
    keep_weights: str = typer.Option("winner", help="Which runs keep their trained weights (model.safetensors): all, "
                                     "winner (the chosen plan's runs) or none; run.json and the report stay for every run."),
    metric: str = typer.Option("accuracy", help="What selection and the leaderboard use: accuracy, balanced-accuracy, macro-f1 or top5 (more than 5 classes); every run records all of them."),
    holdout: float = typer.Option(0.5, help="Fraction of each class's validation images held out from every choice and evaluated after each run: the winner's honest estimate (0: none)."),
    show_test: bool = typer.Option(False, help="Show test accuracy for every plan, labelled as not used for selection (default: the winner's only)."),
    jobs: int = typer.Option(1, min=1, help="Runs trained at once, each in its own worker process with its share of the CPU threads: small networks on a CPU with several cores finish sooner."),
    weights: Optional[Path] = opt.weights(),
    weights_map: Optional[str] = opt.weights_map(),
    pretrained: bool = opt.pretrained(),
    input_size: Optional[int] = opt.input_size(),
    device: str = opt.device(),
    precision: str = opt.precision(),
    workers: Optional[int] = opt.workers(),
    data_mem: str = opt.data_mem(),
    max_bad_fraction: float = opt.max_bad_fraction(),
    compile: bool = opt.compile_model(),
    channels_last: bool = opt.channels_last(),
    sync_bn: bool = opt.sync_bn(),
    keep: str = opt.keep(),
    patience: Optional[int] = opt.patience(),
    source: Optional[str] = opt.source(),
    unlabeled: Optional[str] = opt.unlabeled(),
    overwrite: bool = opt.overwrite(),
) -> None:
    """Compare strategies on your data: same splits and epochs, several seeds, selection on validation only."""
    spec = opt.build_spec(model, data, epochs=epochs, lr=lr, batch_size=batch_size, max_steps=max_steps,
                          grad_accum=grad_accum, augment=augment, randaugment=randaugment,
                          random_erasing=random_erasing, mixup=mixup, cutmix=cutmix, class_weights=class_weights,
                          sampler=sampler, labels_per_class=labels_per_class, classes=classes, weights=weights,
                          weights_map=weights_map,
                          pretrained=pretrained, input_size=input_size, device=device, precision=precision,
                          workers=workers, data_mem=data_mem, max_bad_fraction=max_bad_fraction, compile=compile,
                          channels_last=channels_last, sync_bn=sync_bn, source=source, unlabeled=unlabeled,
                          keep=keep, patience=patience)
    result = api.compare(model, data, strategies, out=out, spec=spec, seeds=seeds, time_budget=time_budget,
                         search=search, eta=eta, lr_factors=parse_factors(lr_factors), show_test=show_test,
                         keep_weights=keep_weights, metric=metric, holdout=holdout, lr_search=lr_search,
                         jobs=jobs, overwrite=overwrite)
    print_result(result)


def report(path: Path = typer.Argument(..., help="A run directory, a directory written by 'compare', or a folder of run directories.")) -> None:
    """Rebuild report.html from existing run directories."""
    from .report import build_report

    results.print(f"Report: [bold]{build_report(path)}[/]")


def demo(
    out: Path = typer.Option(Path("transferkit-demo"), help="Directory for the comparisons, one sub-folder per source: run directories, leaderboard.json, report.html."),
    seeds: int = typer.Option(3, min=1, help="Seeds per strategy."),
    epochs: int = typer.Option(10, min=1, help="Epochs per run (the same budget for every strategy)."),
    search: str = typer.Option("exhaustive", help="exhaustive or halving (see 'transferkit compare --help')."),
    jobs: Optional[int] = typer.Option(None, min=1, help="Runs trained at once (default: one per CPU core, at most 4)."),
    overwrite: bool = typer.Option(False, help="Replace an existing --out directory."),
) -> None:
    """Compare strategies on real handwritten digits from two sources: a network pretrained here on synthetic glyphs
    (step 1 done here, cached) and the ImageNet EfficientNet-Lite0 (step 1 done by others)."""
    from .demo import demo_table, run_demo, sources_table

    result = run_demo(out, seeds=seeds, epochs=epochs, search=search, jobs=jobs, overwrite=overwrite)
    for source in result.sources:
        print_result(source.comparison)
        results.print(demo_table(source.comparison, source.label))
    results.print(sources_table(result))
    results.print(f"Finished in {result.seconds:.0f} s.")
