"""The `stages`, `strategies` and `describe` commands: what a backbone's stages and a plan are, before anything runs."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..console import results
from ..settings.model_ref import MODEL_HELP
from .app import app
from .user_errors import user_errors


@app.command()
@user_errors
def stages(
    model: str = typer.Argument(..., help=MODEL_HELP),
    weights: Optional[Path] = typer.Option(None, help="Local weights file (.safetensors or .pth) for a timm or "
                                                      "torchvision model."),
    weights_map: Optional[str] = typer.Option(None, help="How the --weights tensors meet the network's: by name "
                                                         "(default) or 'order' (by position)."),
    pretrained: bool = typer.Option(False, "--pretrained/--no-pretrained", help="Load pretrained weights (not needed "
                                                                                "to list stages)."),
) -> None:
    """List a backbone's stages (stem to head) with their parameter counts."""
    from .. import api

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
    from .. import api

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
    model: Optional[str] = typer.Option(None, help=MODEL_HELP + " Resolves a plan's stages for the grid."),
) -> None:
    """Print the standard term, the reproducible description, and the stages x phases grid of a run or a plan."""
    if model is None:  # run.json and the plans suffice: no model, no torch
        from ..report import describe_target, target_grid

        (term, description), grid = describe_target(target), target_grid(target)
    else:
        from .. import api

        backbone = api.load_model(model, pretrained=False)
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
