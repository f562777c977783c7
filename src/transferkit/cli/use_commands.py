"""The `predict`, `evaluate` and `export` commands: thin; build the records, call the API, print."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..console import results
from ..settings import Output
from ..settings.choices import DEVICES
from ..settings.data_ref import DATA_HELP
from ..settings.use import ExportSettings, PredictSettings
from .app import app
from .options import CommandOptions, command

RUN_HELP = "A run directory, a comparison directory (its winner's best run) or a model directory."


@command(app, CommandOptions({"settings": PredictSettings, "output": Output}, exclude=("resume",),
                             defaults={"out": Path("predictions.csv")},
                             helps={"out": "CSV file to write: path, prediction, probability, the top classes with "
                                           "probabilities, error.", "overwrite": "Replace an existing --out file."}))
def predict(
    settings: PredictSettings, output: Output,
    run_dir: Path = typer.Argument(..., help=RUN_HELP),
    images: list[str] = typer.Argument(..., help="Image files, folders (every image below), glob patterns or CSV "
                                                 "files with a 'path' column."),
) -> None:
    """Predict the class of every image and write one CSV row per image (unreadable files get a row with the error)."""
    from .. import api

    result = api.predict(run_dir, images, out=output.path, overwrite=output.overwrite, settings=settings)
    flips = result.views.describe() if result.views is not None else "no test-time augmentation"
    results.print(f"Predicted {len(result.rows) - result.errors} of {len(result.rows)} images ({flips}); "
                  f"{result.errors} unreadable. Written to [bold]{output.path}[/].", soft_wrap=True)


@command(app, CommandOptions({"settings": PredictSettings, "output": Output},
                             exclude=("resume", "top_k", "batch_size", "workers", "device"),
                             helps={"out": "Directory to write evaluation.json and report.html into."}))
def evaluate(
    settings: PredictSettings, output: Output,
    run_dir: Path = typer.Argument(..., help=RUN_HELP),
    data: str = typer.Option(..., help=DATA_HELP + " Labelled with the run's classes; every image is evaluated."),
    device: str = typer.Option("cpu", help=f"One of {', '.join(DEVICES)}."),
) -> None:
    """The run's metrics on another labelled data set (a new test set, a shifted domain)."""
    from .. import api

    result = api.evaluate(run_dir, data, out=output.path, overwrite=output.overwrite, device=device,
                          tta=settings.tta, tta_views=settings.tta_views)
    metrics = result.record["metrics"]
    recorded = result.record["model"]["recorded_test_accuracy"]
    before = f" (on its own test split: {recorded:.1%})" if recorded is not None else ""
    views = result.record["test_time_augmentation"]["views"]
    after = f", {', '.join(views)} views averaged" if views != ["identity"] else ""
    results.print(f"Accuracy {metrics['accuracy']:.1%} on {metrics['images']} images of {data}{after}{before}.",
                  soft_wrap=True)
    if result.dir is not None:
        results.print(f"Written to [bold]{result.dir}[/] (evaluation.json, report.html).")


@command(app, CommandOptions({"settings": ExportSettings, "output": Output}, exclude=("resume",),
                             required=("format", "out"),
                             helps={"out": "File to write; its metadata goes beside it as FILE.json.",
                                    "overwrite": "Replace existing files."}))
def export(
    settings: ExportSettings, output: Output,
    run_dir: Path = typer.Argument(..., help=RUN_HELP),
    images: Optional[list[str]] = typer.Option(None, help="Images to check the export on (default: the run's test "
                                                          "split)."),
) -> None:
    """Export the model with its preprocessing and class names beside it, after checking the file's logits."""
    from .. import api

    result = api.export(run_dir, settings.format, output.path, images=images, tolerance=settings.tolerance,
                        overwrite=output.overwrite)
    results.print(f"Exported {settings.format} to [bold]{result.path}[/] (metadata: {result.metadata_path}). Largest "
                  f"absolute logit difference from the PyTorch model on {result.images} images: "
                  f"{result.max_abs_diff:.2e} (tolerance {settings.tolerance:g}).", soft_wrap=True)
