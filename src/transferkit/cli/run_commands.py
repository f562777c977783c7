"""The `pretrain`, `adapt`, `reproduce` and `diagnose` commands: thin; build the records, call the API, print."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from ..console import results
from ..files import read_json
from ..settings import DiagnoseSettings, Output, RunSpec
from ..settings.data_ref import DATA_HELP
from .app import app
from .options import CommandOptions, command

# step 1's own defaults (the Python API uses the same, see runs/pretrain.py)
PRETRAIN_DEFAULTS = {"data": "synthetic:glyphs", "model": "timm:resnet10t", "epochs": 4, "input_size": 32,
                     "lr": 2e-3, "batch_size": 128}
PRETRAIN_TAKES = ("model", "data", "epochs", "input_size", "lr", "batch_size", "max_steps", "grad_accum", "augment",
                  "randaugment", "random_erasing", "mixup", "cutmix", "seed", "device", "precision", "workers",
                  "data_mem", "max_bad_fraction", "compile", "channels_last", "sync_bn", "checkpoint_every", "out",
                  "overwrite", "resume")


def _all_but(*keep: str) -> tuple[str, ...]:
    """Every setting of the `spec` RunSpec and the `output` Output except `keep`."""
    every = [f"spec.{n}" for n in RunSpec.settings()] + [f"output.{n}" for n in Output.settings()]
    return tuple(n for n in every if n.partition(".")[2] not in keep)


@command(app, CommandOptions(
    {"spec": RunSpec, "output": Output}, exclude=_all_but(*PRETRAIN_TAKES), defaults=PRETRAIN_DEFAULTS,
    helps={"model": "Architecture to train from random weights: timm:NAME or torchvision:NAME.",
           "data": DATA_HELP + " This is the large source data set of step 1.",
           "epochs": "Epochs over the source data.", "lr": "Peak learning rate (AdamW, cosine schedule with warm-up).",
           "batch_size": "Batch size.", "input_size": "Square input size in pixels.",
           "out": "Directory to write (model.safetensors, model.json, run.json)."},
    required=("out",)))
def pretrain(spec: RunSpec, output: Output) -> None:
    """Step 1: train an architecture on a large source data set and save it as a reusable model directory."""
    from .. import api

    path = api.pretrain(spec=spec, out=output.path, overwrite=output.overwrite, resume=output.resume)
    record = read_json(path / "run.json")
    results.print(
        f"Pretrained {spec.model.spec} on {spec.data.spec}: validation accuracy "
        f"{record['metrics']['val']['accuracy']:.1%}. Saved to [bold]{path}[/]; use it with --model {path}."
    )


@command(app, CommandOptions(
    {"spec": RunSpec, "output": Output}, required=("model", "data", "out"),
    helps={"out": "Run directory to write (run.json, model.safetensors, plan.yaml)."}))
def adapt(spec: RunSpec, output: Output,
          strategy: str = typer.Option("linear-probe", help="A preset (see 'transferkit strategies'), "
                                                            "NAME:key=value,... or a plan file (.yaml).")) -> None:
    """Step 2: adapt a pretrained backbone to your data with a strategy, and record exactly what was done.

    Ctrl-C once: stop after the current epoch and still write the run directory; twice: stop now (--resume continues).
    """
    from .. import api

    run = api.adapt(strategy=strategy, spec=spec, out=output.path, overwrite=output.overwrite, resume=output.resume)
    results.print(escape(run.summary()), soft_wrap=True)
    results.print(f"Run directory: [bold]{run.dir}[/]")


@command(app, CommandOptions({"output": Output}, exclude=("resume",), required=("out",),
                             helps={"out": "Run directory to write for the new run."}))
def reproduce(
    output: Output,
    run_dir: Path = typer.Argument(..., help="A run directory written by 'transferkit adapt'."),
    model: Optional[str] = typer.Option(None, help="The source model, if it moved (its sha256 must match run.json)."),
    weights: Optional[Path] = typer.Option(None, help="The source model's weights file, if it moved (its sha256 must "
                                                      "match run.json)."),
    data: Optional[str] = typer.Option(None, help="The data, if it moved (its fingerprint must match run.json)."),
    device: Optional[str] = typer.Option(None, help="auto, cpu or cuda (default: as recorded)."),
) -> None:
    """Re-run a run from its run.json and say whether metrics and weights match (exit status 1 if they differ)."""
    from .. import api

    result = api.reproduce(run_dir, out=output.path, overwrite=output.overwrite, model=model,
                           weights=str(weights) if weights else None, data=data, device=device)
    metrics = "identical" if result.metrics_match else "different"
    weights_word = {True: "identical", False: "different", None: "not compared"}[result.weights_match]
    results.print(f"Reproduced [bold]{run_dir}[/] into [bold]{result.run.dir}[/]: metrics {metrics}, "
                  f"weights {weights_word}.", soft_wrap=True)
    for line in result.differences:
        results.print(f"  {line}", soft_wrap=True)
    if not result.identical:
        raise typer.Exit(1)


DIAGNOSE_TAKES = ("model", "weights", "weights_map", "pretrained", "input_size", "data", "classes", "source",
                  "max_bad_fraction", "seed", "device", "workers", "data_mem", "out", "overwrite",
                  "max_images")


@command(app, CommandOptions(
    {"spec": RunSpec, "output": Output, "settings": DiagnoseSettings},
    exclude=_all_but(*DIAGNOSE_TAKES),
    required=("model", "data"),
    helps={"model": "A model directory written by 'transferkit pretrain' (it holds the source statistics), or any "
                    "model (with --source, or without a source: only the target's measures).",
           "data": DATA_HELP + " The labelled target.",
           "source": "Source data to compare with, instead of the model directory's source statistics.",
           "out": "Directory to write diagnosis.json and diagnosis.html into."}))
def diagnose(spec: RunSpec, output: Output, settings: DiagnoseSettings) -> None:
    """Measure how the target differs from the source, stage by stage, and say which case you are in."""
    from .. import api
    from ..diagnosis.table import stage_table, summary_lines

    result = api.diagnose(spec=spec, settings=settings, out=output.path, overwrite=output.overwrite)
    results.print(stage_table(result.record))
    for line in summary_lines(result.record):
        results.print(line, soft_wrap=True, highlight=False)
    if result.dir is not None:
        results.print(f"Written to [bold]{result.dir}[/] (diagnosis.json, diagnosis.html).")
