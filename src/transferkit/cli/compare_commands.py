"""The `compare`, `report` and `demo` commands: thin; build the records, call the API, print."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from ..console import results
from ..errors import ModelError
from ..settings import CompareSettings, Output, RunSpec
from ..settings.compare import NetworkList
from ..settings.constraints import Invalid
from ..settings.demo import DemoSettings
from .app import app
from .options import CommandOptions, command
from .user_errors import user_errors


def print_result(result) -> None:
    """The final leaderboard table, the chosen plan in one sentence, and where the files are."""
    results.print(result.table())
    results.print(escape(result.chosen()), soft_wrap=True)
    if result.dir is not None:
        results.print(f"Leaderboard: [bold]{result.dir / 'leaderboard.json'}[/]; report: [bold]{result.report}[/]")


def model_or_models(values: dict) -> dict:
    """--model (one network) or --models (several), not both; with --models the run spec's model is the first
    network (each run records its own). A --models that its own check refuses is left for that check to name."""
    model, models = values.get("model"), values.get("models")
    if models is None:
        if model is None:
            raise ModelError("--model is missing; pass e.g. --model timm:resnet18, or --models A,B to compare "
                             "networks.")
        return values
    try:
        first = NetworkList().parse(models)[0]
    except Invalid:
        return {**values, "model": model or models}
    if model is not None:
        raise ModelError("Pass either --model (one network) or --models (several networks to compare), not both.")
    return {**values, "model": first}


@command(app, CommandOptions(
    {"spec": RunSpec, "settings": CompareSettings, "output": Output}, exclude=("seed",),
    required=("data", "out"), prepare=model_or_models,
    helps={"epochs": "Epoch budget per plan, the same for every plan (default 10), shared in proportion by its "
                     "phases; a phase with fixed epochs (the head lp-ft and keras-guide train first) trains its own "
                     "on top (run.json and the leaderboard show both).",
           "resume": "Continue the interrupted comparison of --out (same options): every finished run "
                     "directory that matches is reused, only the missing runs train.",
           "out": "Directory to write: a run directory per plan, learning rate and seed under runs/, "
                  "leaderboard.json, report.html."}))
def compare(spec: RunSpec, settings: CompareSettings, output: Output,
            strategies: str = typer.Option("all", help="'all' (every preset that fits the data: the domain-adaptation "
                                                       "ones only with --source) or a comma-separated list of presets, "
                                                       "NAME:key=value specs and plan files.")) -> None:
    """Compare strategies on your data: same splits and epochs, several seeds, selection on validation only."""
    from .. import api

    result = api.compare(strategies=strategies, spec=spec, settings=settings, out=output.path,
                         overwrite=output.overwrite, resume=output.resume)
    print_result(result)


@app.command()
@user_errors
def report(path: Path = typer.Argument(..., help="A run directory, a directory written by 'compare', or a folder of "
                                                 "run directories.")) -> None:
    """Rebuild report.html from existing run directories."""
    from ..report import build_report

    results.print(f"Report: [bold]{build_report(path)}[/]")


@command(app, CommandOptions({"settings": DemoSettings}))
def demo(settings: DemoSettings) -> None:
    """Compare strategies on real handwritten digits from two sources: a network pretrained here on synthetic glyphs
    (step 1 done here, cached) and the ImageNet EfficientNet-Lite0 (step 1 done by others); with --text, real
    quotations by topic from the all-MiniLM-L6-v2 sentence encoder."""
    from ..demo import demo_table, run_demo, sources_table

    result = run_demo(settings)
    for source in result.sources:
        print_result(source.comparison)
        results.print(demo_table(source.comparison, source.label, source.target))
    results.print(sources_table(result))
    results.print(f"Finished in {result.seconds:.0f} s.")
