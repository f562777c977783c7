"""The `models` and `rank` commands: which networks are ready here, and how well each suits a target before
training. Thin: build the records, call the API, print."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from ..console import results
from ..errors import ModelError
from ..settings import Output, RankSettings, RunSpec
from ..settings.data_ref import DATA_HELP
from .app import app
from .options import CommandOptions, command
from .run_commands import _all_but
from .user_errors import user_errors
from ..settings.constraints import Invalid, Names


@app.command()
@user_errors
def models() -> None:
    """List the pretrained networks ready on this machine (offline packages, or an earlier download in the hub
    caches): parameters, input size, where the weights come from and the published ImageNet-1k top-1."""
    from .. import api

    table = Table(title="Pretrained networks ready on this machine")
    for column in ("network", "parameters", "input size", "weights", "ImageNet top-1"):
        table.add_column(column, justify="right" if column in ("parameters", "input size", "ImageNet top-1") else "left")
    entries = api.networks()
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


RANK_TAKES = ("model", "data", "labels_per_class", "classes", "val_fraction", "test_fraction", "max_bad_fraction",
              "pretrained", "input_size", "seed", "device", "precision", "workers", "data_mem", "cache", "cache_mem",
              "out", "overwrite")


def _models_or_model(values: dict) -> dict:
    """--models (several networks) or --model (a rank of one), not both; the run spec's model is the first."""
    model, models = values.get("model"), values.get("models")
    if models is not None:
        try:
            Names(1).parse(models)
        except Invalid:  # --models itself then says what is wrong
            return {**values, "model": model or models}
    if model is not None and models is not None:
        raise ModelError("Pass either --models A,B,... or --model (one network), not both.")
    if model is None and models is None:
        raise ModelError("--models is missing; pass e.g. --models timm:tf_efficientnet_lite0,torchvision:mobilenet_v2 "
                         "('transferkit models' lists the networks ready here).")
    return values if models is None else {**values, "model": models.split(",")[0].strip() or None}


@command(app, CommandOptions(
    {"spec": RunSpec, "settings": RankSettings, "output": Output}, exclude=_all_but(*RANK_TAKES),
    required=("data",), prepare=_models_or_model,
    helps={"model": "One network to score (a rank of one); --models ranks several.","data": DATA_HELP + " The labelled target; its training split is scored.",
           "seed": "Seed of the split (the same split compare draws for this seed, so it reuses the features).",
           "input_size": "Square input size in pixels for every network (default: each network's own).",
           "out": "Directory to write ranking.json and report.html into."}))
def rank(spec: RunSpec, settings: RankSettings, output: Output) -> None:
    """Rank pretrained networks for your data before any training: one forward pass of each over the training
    split, scored by LogME, LEEP, NCE, H-score and k-NN / linear-probe accuracy on the frozen features."""
    from .. import api

    result = api.rank(spec=spec, settings=settings, out=output.path, overwrite=output.overwrite)
    results.print(result.table())
    for line in result.notes():
        results.print(escape(line), soft_wrap=True, highlight=False)
    results.print(f"Order by {settings.score}: {', '.join(result.order)} ({result.doc['seconds']:.1f} s).",
                  soft_wrap=True, highlight=False)
    if result.dir is not None:
        results.print(f"Written to [bold]{result.dir}[/] (ranking.json, report.html).")
