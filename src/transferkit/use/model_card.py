"""README.md of a run directory: a model card written from run.json, with metadata that model hubs read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from scipy import stats

from ..files import write_text
from ..plans import Plan
from ..report import grid_markdown
from ..select.table import fmt_factor, fmt_interval

CARD = "README.md"
RUN = "RUN_DIR"  # how the card's commands name the run directory (it may be moved)
_LISTED_CLASSES = 20


def hub_metadata(record: dict[str, Any]) -> dict[str, Any]:
    """The YAML block: library, tags, datasets, metrics and a model index with the test and validation results."""
    arch = record["source_model"].get("arch") or {}
    data, metrics = record["data"]["spec"], record["metrics"]
    tags = ["transferkit", "image-classification", "transfer-learning", record["strategy"].split(":")[0]]
    tags += [t for t in (arch.get("library"), arch.get("name")) if t]
    results = [{"type": "accuracy", "value": round(metrics[split]["accuracy"], 4), "name": f"{label} accuracy"}
               for split, label in (("test", "test"), ("val", "validation"))]
    return {
        "library_name": "transferkit",
        "pipeline_tag": "image-classification",
        "tags": list(dict.fromkeys(tags)),
        "datasets": [data],
        "metrics": ["accuracy"],
        "model-index": [{"name": f"{record['strategy']} on {data}", "results": [{
            "task": {"type": "image-classification", "name": "Image Classification"},
            "dataset": {"name": data, "type": data, "split": "test"},
            "metrics": results}]}],
    }


def _splits_table(data: dict[str, Any]) -> str:
    splits = data["splits"]
    lines = ["| class | train | validation | test |", "|---|---:|---:|---:|"]
    for name in data["classes"][:_LISTED_CLASSES]:
        lines.append(f"| {name} | " + " | ".join(str(splits[s]["class_counts"].get(name, 0))
                                                  for s in ("train", "val", "test")) + " |")
    if len(data["classes"]) > _LISTED_CLASSES:
        lines.append(f"| ({len(data['classes']) - _LISTED_CLASSES} more classes) | | | |")
    lines.append("| **total** | " + " | ".join(f"**{splits[s]['images']}**" for s in ("train", "val", "test")) + " |")
    return "\n".join(lines)


def _metrics_section(record: dict[str, Any], row: dict[str, Any] | None) -> str:
    metrics, kept = record["metrics"], record.get("kept") or {}
    lines = ["| split | accuracy | images |", "|---|---:|---:|"]
    for split, label in (("val", "validation"), ("test", "test")):
        lines.append(f"| {label} | {metrics[split]['accuracy']:.1%} | {metrics[split]['images']} |")
    text = "\n".join(lines)
    where = kept.get("epoch") or {}
    if kept and not kept.get("kept_last"):
        last = kept["last_epoch"]["metrics"]
        text += (f"\n\nThese are the weights of epoch {where['run_epoch']} (the best validated epoch); after the last "
                 f"epoch the accuracies were {last['val']['accuracy']:.1%} (validation) and "
                 f"{last['test']['accuracy']:.1%} (test).")
    if row is not None:
        network = f" on network `{row['network']}`" if row.get("network") else ""
        text += (f"\n\nIn the comparison, plan `{row['plan']}`{network} at learning-rate factor "
                 f"{fmt_factor(row['lr_factor'])} "
                 f"over {row['val']['n']} seeds: validation accuracy {fmt_interval(row['val'])}"
                 + (f", test accuracy {fmt_interval(row['test'])}" if row.get("test") and row["test"].get("mean")
                    is not None else "") + f" (mean and {row['val']['confidence']:.0%} t-interval over seeds)."
                 + (" It was the chosen plan." if row.get("winner") else ""))
    calibration = (record.get("mistakes") or {}).get("calibration")
    if calibration:
        text += (f"\n\nCalibration on the test split: expected calibration error {calibration['ece']:.3f} "
                 f"({calibration['bins']} confidence bins).")
    return text


def _wilson(accuracy: float, n: int) -> str:
    """The 95% Wilson score interval of a proportion measured on n items."""
    if n == 0:
        return "undefined"
    interval = stats.binomtest(round(accuracy * n), n).proportion_ci(0.95, method="wilson")
    return f"[{interval.low:.1%}, {interval.high:.1%}]"


def _expects(pre: dict[str, Any]) -> str:
    if pre.get("kind") == "text":
        return (f"- Expects texts like those, tokenized by the tokenizer saved beside it and cut at {pre['max_length']} "
                "tokens. Other topics, styles or languages can lower accuracy without warning: measure it on labelled "
                "texts of yours with `transferkit evaluate` before relying on it.")
    return (f"- Expects images like those: resized to {pre['input_size'][1]}x{pre['input_size'][2]} and normalized as "
            "its run did (`tk.load(...).transform`). Other cameras, lighting, resolutions or domains can lower accuracy "
            "without warning: measure it on labelled images of yours with `transferkit evaluate` before relying on it.")


def _limits(record: dict[str, Any]) -> str:
    data, pre = record["data"], record["preprocessing"]
    n, train = len(data["classes"]), data["splits"]["train"]["images"]
    test = data["splits"]["test"]["images"]
    listed = ", ".join(data["classes"][:_LISTED_CLASSES]) + (", ..." if n > _LISTED_CLASSES else "")
    return "\n".join([
        f"- Classifies an image into exactly one of {n} classes ({listed}); an image of anything else still gets "
        "one of them, often with high confidence.",
        f"- Trained on {train} labelled images of `{data['spec']}` and tested on {test}: with that many test images "
        f"the 95% Wilson interval of its test accuracy is {_wilson(record['metrics']['test']['accuracy'], test)}.",
        _expects(pre),
        "- Not assessed for fairness across groups of people, robustness to adversarial inputs, or safety-critical "
        "use.",
    ])


def model_card(record: dict[str, Any], row: dict[str, Any] | None = None) -> str:
    """The card of a run (`record`: run.json); `row`: its plan's row when the run is part of a comparison."""
    front = yaml.safe_dump(hub_metadata(record), sort_keys=False, allow_unicode=True)
    grid = grid_markdown(Plan.from_dict(record["plan"]["definition"]), record["stages"])
    data = record["data"]
    split = (f"{data['labels_per_class']} labelled training images per class, " if data.get("labels_per_class")
             else "") + f"split seed {data.get('split_seed', record['seed'])}"
    return "\n\n".join([
        f"---\n{front}---",
        f"# {record['term'][0].upper()}{record['term'][1:]} on {data['spec']}",
        record["description"],
        f"## Data and splits\n\n`{data['spec']}` (fingerprint `{data['fingerprint'][:16]}`), {split}.\n\n"
        + _splits_table(data),
        "## Metrics\n\n" + _metrics_section(record, row),
        f"## Recipe\n\nStrategy `{record['strategy']}`, seed {record['seed']}. What trains in each phase (stages of "
        f"the backbone from input to output; the exact plan is in `plan.yaml`, the complete record in "
        f"`run.json`):\n\n{grid}",
        "## How to use\n\n```bash\n"
        f"transferkit predict {RUN} path/to/images --out predictions.csv\n"
        f"transferkit evaluate {RUN} --data path/to/labelled-images --out evaluation\n"
        f"transferkit export {RUN} --format onnx --out model.onnx\n```\n\n```python\nimport transferkit as tk\n\n"
        f"model = tk.load(\"{RUN}\")  # model.model is a plain torch module\n"
        "print(model.predict([\"image.jpg\"]))\n```",
        "## Intended use and limits\n\n" + _limits(record),
    ]) + "\n"


def write_model_card(folder: str | Path, record: dict[str, Any], row: dict[str, Any] | None = None) -> None:
    folder = Path(folder)
    write_text(folder / CARD, model_card(record, row))


def write_comparison_cards(root: str | Path, doc: dict[str, Any], records: dict[str, dict[str, Any]]) -> None:
    """Rewrite the card of every run of a comparison; the runs of each plan's chosen learning rate get the plan's
    mean and interval over seeds."""
    rows = {row["candidate"]: row for row in doc["rows"]}
    for entry in doc["runs"]:
        if entry.get("dir") in records:
            write_model_card(Path(root) / entry["dir"], records[entry["dir"]], rows.get(entry["candidate"]))
