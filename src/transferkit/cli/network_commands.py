"""The `models` and `rank` commands: which networks are ready here, and how well each suits a target before
training. Thin: build the records, call the API, print."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from ..console import results
from .app import app
from .user_errors import user_errors


@app.command()
@user_errors
def models() -> None:
    """List the pretrained networks ready on this machine (offline packages, or an earlier download in the hub
    caches): parameters, input size, where the weights come from and the published ImageNet-1k top-1."""
    from .. import api

    table = Table(title="Pretrained networks ready on this machine")
    for column in ("network", "parameters", "input size", "weights", "ImageNet top-1"):
        table.add_column(column, justify="right" if column in ("parameters", "input size", "ImageNet top-1") else "left")
    entries = api.models()
    for e in entries:
        top1 = f"{e.top1:.2f}%" if e.top1 is not None else "not stated"
        table.add_row(e.spec, f"{e.parameters / 1e6:.2f}M", f"{e.input_size} px", escape(e.weights), top1)
    results.print(table)
    sources: dict[str, list[str]] = {}
    for e in entries:
        if e.top1_source:
            sources.setdefault(e.top1_source, []).append(e.spec.partition(":")[2])
    if sources:
        results.print("Top-1 from " + "; ".join(f"{where} ({', '.join(names)})" for where, names in sources.items())
                      + ".", soft_wrap=True, highlight=False)
