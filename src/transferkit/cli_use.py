"""The `predict`, `evaluate` and `export` commands (registered on the app in cli.py): thin; parse, call, print."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import api
from . import cli_options as opt
from .console import results

RUN_HELP = "A run directory, a comparison directory (its winner's best run) or a model directory."


def predict(
    run_dir: Path = typer.Argument(..., help=RUN_HELP),
    images: list[str] = typer.Argument(..., help="Image files, folders (every image below), glob patterns or CSV "
                                                 "files with a 'path' column."),
    out: Path = typer.Option(Path("predictions.csv"), help="CSV file to write: path, prediction, probability, the top "
                                                           "classes with probabilities, error."),
    top_k: int = typer.Option(5, min=1, help="Classes listed per image, most probable first."),
    tta: bool = typer.Option(False, help="Average each image with its horizontal flip (only when the run trained on "
                                         "flipped images)."),
    batch_size: int = typer.Option(64, min=1, help="Images per batch."),
    workers: int = typer.Option(2, min=0, help="Worker processes that decode and resize images (0: in this process)."),
    device: str = opt.device(),
    overwrite: bool = typer.Option(False, help="Replace an existing --out file."),
) -> None:
    """Predict the class of every image and write one CSV row per image (unreadable files get a row with the error)."""
    result = api.predict(run_dir, images, out=out, overwrite=overwrite, top_k=top_k, tta=tta, batch_size=batch_size,
                         workers=workers, device=device)
    flips = ("each image averaged with its horizontal flip" if result.tta else "no test-time augmentation")
    results.print(f"Predicted {len(result.rows) - result.errors} of {len(result.rows)} images ({flips}); "
                  f"{result.errors} unreadable. Written to [bold]{out}[/].", soft_wrap=True)


def evaluate(
    run_dir: Path = typer.Argument(..., help=RUN_HELP),
    data: str = typer.Option(..., help=opt.DATA_HELP + " Labelled with the run's classes; every image is evaluated."),
    out: Optional[Path] = typer.Option(None, help="Directory to write evaluation.json and report.html into."),
    device: str = opt.device(),
    overwrite: bool = opt.overwrite(),
) -> None:
    """The run's metrics on another labelled data set (a new test set, a shifted domain)."""
    result = api.evaluate(run_dir, data, out=out, overwrite=overwrite, device=device)
    metrics = result.record["metrics"]
    recorded = result.record["model"]["recorded_test_accuracy"]
    before = f" (on its own test split: {recorded:.1%})" if recorded is not None else ""
    results.print(f"Accuracy {metrics['accuracy']:.1%} on {metrics['images']} images of {data}{before}.",
                  soft_wrap=True)
    if result.dir is not None:
        results.print(f"Written to [bold]{result.dir}[/] (evaluation.json, report.html).")


def export(
    run_dir: Path = typer.Argument(..., help=RUN_HELP),
    format: str = typer.Option(..., "--format", help="onnx (dynamic batch), torchscript (traced) or safetensors."),
    out: Path = typer.Option(..., help="File to write; its metadata goes beside it as FILE.json."),
    images: Optional[list[str]] = typer.Option(None, help="Images to check the export on (default: the run's test "
                                                          "split)."),
    tolerance: float = typer.Option(1e-4, min=0.0, help="Largest allowed absolute logit difference between the "
                                                        "exported file and the PyTorch model."),
    overwrite: bool = typer.Option(False, help="Replace existing files."),
) -> None:
    """Export the model with its preprocessing and class names beside it, after checking the file's logits."""
    result = api.export(run_dir, format, out, images=images, tolerance=tolerance, overwrite=overwrite)
    results.print(f"Exported {format} to [bold]{result.path}[/] (metadata: {result.metadata_path}). Largest absolute "
                  f"logit difference from the PyTorch model on {result.images} images: {result.max_abs_diff:.2e} "
                  f"(tolerance {tolerance:g}).", soft_wrap=True)
