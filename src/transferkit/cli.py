"""The `transferkit` command: thin; parses, calls the API, prints with rich."""

from __future__ import annotations

import functools
import logging
import os
import sys
from pathlib import Path
from typing import Optional

import typer
import typer.rich_utils
from rich.markup import escape
from rich.table import Table

from . import api, cli_compare, cli_use
from . import cli_options as opt
from .console import console, fit_to_output, log_handler, output_width, results
from .engine import close_processes, launched_rank
from .files import read_json
from .errors import Interrupted, TransferkitError, one_line

app = typer.Typer(
    help="Transfer learning with PyTorch: pretrain, adapt with any recipe, and record exactly what was done.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)



def user_errors(fn):
    """Turn TransferkitError into one line on stderr and exit code 2 (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TransferkitError as exc:
            console.print(f"[bold red]error:[/] {escape(one_line(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt as exc:
            said = f" {escape(str(exc))}" if isinstance(exc, Interrupted) else ""
            console.print(f"[bold red]interrupted:[/]{said}" if said else "[bold red]interrupted[/]", highlight=False,
                          soft_wrap=True)
            raise typer.Exit(130) from None

    return wrapper


@app.callback()
def _setup(quiet: bool = typer.Option(False, "--quiet", "-q", help="Only warnings and errors.")) -> None:
    fit_to_output()
    if launched_rank() != 0:  # one of several processes (accelerate launch): the main process reports
        quiet, results.quiet = True, True
        os.environ["TRANSFERKIT_PROGRESS"] = "0"
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, handlers=[log_handler()], force=True)
    for noisy in ("timm", "accelerate", "PIL", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.command()
@user_errors
def pretrain(
    data: str = typer.Option("synthetic:glyphs", help=opt.DATA_HELP + " This is the large source data set of step 1."),
    model: str = typer.Option("timm:resnet10t", help="Architecture to train from random weights: timm:NAME or torchvision:NAME."),
    out: Path = typer.Option(..., help="Directory to write (model.safetensors, model.json, run.json)."),
    epochs: int = typer.Option(4, min=1, help="Epochs over the source data."),
    input_size: int = typer.Option(32, min=8, help="Square input size in pixels."),
    lr: float = typer.Option(2e-3, min=0.0, help="Peak learning rate (AdamW, cosine schedule with warm-up)."),
    batch_size: int = typer.Option(128, min=1, help="Batch size."),
    max_steps: Optional[int] = opt.max_steps(),
    grad_accum: Optional[int] = opt.grad_accum(),
    augment: Optional[str] = opt.augment(),
    seed: int = opt.seed(),
    device: str = opt.device(),
    precision: str = opt.precision(),
    workers: Optional[int] = opt.workers(),
    data_mem: str = opt.data_mem(),
    max_bad_fraction: float = opt.max_bad_fraction(),
    compile: bool = opt.compile_model(),
    channels_last: bool = opt.channels_last(),
    sync_bn: bool = opt.sync_bn(),
    checkpoint_every: Optional[int] = opt.checkpoint_every(),
    overwrite: bool = opt.overwrite(),
    resume: bool = typer.Option(False, help="Continue the interrupted pretraining of --out from its last checkpoint "
                                            "(same options)."),
) -> None:
    """Step 1: train an architecture on a large source data set and save it as a reusable model directory."""
    spec = opt.build_spec(model, data, epochs=epochs, input_size=input_size, lr=lr, batch_size=batch_size,
                          max_steps=max_steps, grad_accum=grad_accum, augment=augment, seed=seed, device=device,
                          precision=precision,
                          workers=workers, data_mem=data_mem, max_bad_fraction=max_bad_fraction, compile=compile,
                          channels_last=channels_last, sync_bn=sync_bn, checkpoint_every=checkpoint_every)
    path = api.pretrain(data, model, out=out, spec=spec, overwrite=overwrite, resume=resume)
    record = read_json(path / "run.json")
    results.print(
        f"Pretrained {model} on {data}: validation accuracy {record['metrics']['val']['accuracy']:.1%}. "
        f"Saved to [bold]{path}[/]; use it with --model {path}."
    )


@app.command()
@user_errors
def adapt(
    model: str = opt.model(),
    data: str = opt.target(),
    strategy: str = typer.Option("linear-probe", help="A preset (see 'transferkit strategies'), NAME:key=value,... or a plan file (.yaml)."),
    out: Path = typer.Option(..., help="Run directory to write (run.json, model.safetensors, plan.yaml)."),
    epochs: Optional[int] = opt.epochs(),
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
    seed: int = opt.seed(),
    labels_per_class: Optional[int] = opt.labels_per_class(),
    classes: Optional[str] = opt.classes(),
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
    checkpoint_every: Optional[int] = opt.checkpoint_every(),
    overwrite: bool = typer.Option(False, help="Replace an existing run directory, or discard an interrupted run of it."),
    resume: bool = typer.Option(False, help="Continue the interrupted run of --out from its last checkpoint (same options)."),
    cache: str = typer.Option("auto", help=opt.CACHE_HELP),
    cache_views: int = typer.Option(1, help="Augmented views per image to cache when a phase augments; each epoch "
                                            "draws one per image (more views: closer to fresh augmentation, more memory)."),
    cache_mem: str = typer.Option("2GB", help="Memory budget for cached activations, e.g. 2GB or 512MB; larger caches "
                                              "are memory-mapped files in the cache directory (0: always on disk)."),
    eval_every: int = typer.Option(1, min=0, help="Validate every N epochs (0: only at the end of each phase)."),
    keep: str = opt.keep(),
    patience: Optional[int] = opt.patience(),
    source: Optional[str] = opt.source(),
    unlabeled: Optional[str] = opt.unlabeled(),
) -> None:
    """Step 2: adapt a pretrained backbone to your data with a strategy, and record exactly what was done.

    Ctrl-C once: stop after the current epoch and still write the run directory; twice: stop now (--resume continues).
    """
    options = {k: v for k, v in locals().items() if k not in ("model", "data", "strategy", "out", "overwrite", "resume")}
    spec = opt.build_spec(model, data, **options)
    run = api.adapt(model, data, strategy, out=out, spec=spec, overwrite=overwrite, resume=resume)
    results.print(escape(run.summary()), soft_wrap=True)
    results.print(f"Run directory: [bold]{run.dir}[/]")


@app.command()
@user_errors
def reproduce(
    run_dir: Path = typer.Argument(..., help="A run directory written by 'transferkit adapt'."),
    out: Path = typer.Option(..., help="Run directory to write for the new run."),
    model: Optional[str] = typer.Option(None, help="The source model, if it moved (its sha256 must match run.json)."),
    weights: Optional[Path] = typer.Option(None, help="The source model's weights file, if it moved (its sha256 must "
                                           "match run.json)."),
    data: Optional[str] = typer.Option(None, help="The data, if it moved (its fingerprint must match run.json)."),
    device: Optional[str] = typer.Option(None, help="auto, cpu or cuda (default: as recorded)."),
    overwrite: bool = opt.overwrite(),
) -> None:
    """Re-run a run from its run.json and say whether metrics and weights match (exit status 1 if they differ)."""
    result = api.reproduce(run_dir, out=out, overwrite=overwrite, model=model,
                           weights=str(weights) if weights else None, data=data, device=device)
    metrics = "identical" if result.metrics_match else "different"
    weights_word = {True: "identical", False: "different", None: "not compared"}[result.weights_match]
    results.print(f"Reproduced [bold]{run_dir}[/] into [bold]{result.run.dir}[/]: metrics {metrics}, "
                  f"weights {weights_word}.", soft_wrap=True)
    for line in result.differences:
        results.print(f"  {line}", soft_wrap=True)
    if not result.identical:
        raise typer.Exit(1)


@app.command()
@user_errors
def diagnose(
    model: str = typer.Option(..., help="A model directory written by 'transferkit pretrain' (it holds the source "
                              "statistics), or any model with --source."),
    data: str = typer.Option(..., help=opt.DATA_HELP + " The labelled target."),
    source: Optional[str] = typer.Option(None, help="Source data to compare with, instead of the model directory's "
                                         "source statistics."),
    unlabeled: Optional[str] = typer.Option(None, help="Unlabelled target images (a folder in any layout, or a data "
                                            "spec) added to the shift measures."),
    out: Optional[Path] = typer.Option(None, help="Directory to write diagnosis.json and diagnosis.html into."),
    max_images: int = typer.Option(2000, min=10, help="Target images compared at most (a stratified sample)."),
    seed: int = typer.Option(0, help="Random seed (samples, cross-validation folds)."),
    device: str = typer.Option("auto", help="auto, cpu or cuda."),
    overwrite: bool = typer.Option(False, help="Replace an existing output directory."),
) -> None:
    """Measure how the target differs from the source, stage by stage, and say which case you are in."""
    from .diagnose.table import stage_table, summary_lines

    result = api.diagnose(model, data, source=source, unlabeled=unlabeled, out=out, overwrite=overwrite, seed=seed,
                          max_images=max_images, device=device)
    results.print(stage_table(result.record))
    for line in summary_lines(result.record):
        results.print(line, soft_wrap=True, highlight=False)
    if result.dir is not None:
        results.print(f"Written to [bold]{result.dir}[/] (diagnosis.json, diagnosis.html).")


@app.command()
@user_errors
def stages(
    model: str = typer.Argument(..., help=opt.MODEL_HELP),
    weights: Optional[Path] = opt.weights(),
    weights_map: Optional[str] = opt.weights_map(),
    pretrained: bool = typer.Option(False, "--pretrained/--no-pretrained", help="Load pretrained weights (not needed to list stages)."),
) -> None:
    """List a backbone's stages (stem to head) with their parameter counts."""
    rows = api.stages(model, weights=str(weights) if weights else None, weights_map=weights_map,
                      pretrained=pretrained or weights is not None)
    table = Table(title=f"Stages of {model}")
    for col in ("stage", "parameters", "tensors", "first tensor", "last tensor"):
        table.add_column(col, justify="right" if col in ("parameters", "tensors") else "left")
    for r in rows:
        table.add_row(r["name"], f"{r['params']:,}", str(r["tensors"]), r["first"], r["last"])
    results.print(table)


@app.command()
@user_errors
def strategies() -> None:
    """List the strategy presets, each with its standard term and a one-line explanation."""
    table = Table(title="Strategies (use with --strategy NAME or NAME:key=value)",
                  caption="Every strategy also takes batch_size=N, augment=none|light|standard and timm's "
                          "randaugment=POLICY, random_erasing=P, mixup=ALPHA and cutmix=ALPHA, for every phase.")
    for col in ("strategy", "term", "what it does", "options"):
        table.add_column(col)
    for s in api.strategies():
        options = ", ".join(f"{k}={v}" for k, v in s["options"].items())
        table.add_row(s["name"], s["term"], s["summary"], options)
    results.print(table)


@app.command()
@user_errors
def describe(
    target: str = typer.Argument(..., help="A run directory, a plan file (.yaml) or a strategy spec."),
    model: Optional[str] = typer.Option(None, help=opt.MODEL_HELP + " Resolves a plan's stages for the grid."),
) -> None:
    """Print the standard term, the reproducible description, and the stages x phases grid of a run or a plan."""
    backbone = api.load_model(model, pretrained=False) if model is not None else None
    term, description = api.describe(target, backbone)
    grid = api.grid(target, backbone)
    results.print(f"[bold]term:[/] {term}", soft_wrap=True)
    results.print(f"[bold]description:[/] {description}", soft_wrap=True)
    if not grid["rows"]:
        results.print("Give --model to see which stages train in each phase.")
        return
    table = Table(title=f"What trains in each phase (stages of {grid['stages_from']})")
    for col in ["stage", *grid["titles"]]:
        table.add_column(col)
    for row in grid["rows"]:
        table.add_row(*row)
    results.print(table)


app.command("compare")(user_errors(cli_compare.compare))
app.command("report")(user_errors(cli_compare.report))
app.command("demo")(user_errors(cli_compare.demo))
app.command("predict")(user_errors(cli_use.predict))
app.command("evaluate")(user_errors(cli_use.evaluate))
app.command("export")(user_errors(cli_use.export))


def main() -> None:
    typer.rich_utils.MAX_WIDTH = output_width(sys.stdout)  # --help piped or redirected: wide, not cut at 80
    try:
        app(prog_name="transferkit")
    except SystemExit as done:
        if done.code in (0, None):  # (a failed process ends the launch: the others are stopped, not waited for)
            close_processes()
        raise
    close_processes()


if __name__ == "__main__":
    sys.exit(main())
