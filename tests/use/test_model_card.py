"""The model card (README.md) of every run directory: hub metadata, description, data, metrics, recipe, limits."""

from __future__ import annotations

import json

import yaml

from transferkit.select.table import fmt_interval


def read_card(folder):
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    front, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(front), body


def test_a_run_directory_has_a_model_card(folder_run):
    meta, body = read_card(folder_run.dir)
    record = folder_run.record
    assert meta["library_name"] == "transferkit" and meta["pipeline_tag"] == "image-classification"
    assert {"transferkit", "linear-probe", "timm", "resnet10t"} <= set(meta["tags"])
    assert meta["datasets"] == [record["data"]["spec"]] and meta["metrics"] == ["accuracy"]
    (result,) = meta["model-index"][0]["results"]
    values = {m["name"]: m["value"] for m in result["metrics"]}
    assert values == {"test accuracy": round(record["metrics"]["test"]["accuracy"], 4),
                      "validation accuracy": round(record["metrics"]["val"]["accuracy"], 4)}
    term = record["term"]
    assert f"# {term[0].upper()}{term[1:]} on {record['data']['spec']}" in body and record["description"] in body
    for name in record["data"]["classes"]:
        counts = record["data"]["splits"]
        assert f"| {name} | {counts['train']['class_counts'][name]} | {counts['val']['class_counts'][name]} | " \
               f"{counts['test']['class_counts'][name]} |" in body
    assert f"| test | {record['metrics']['test']['accuracy']:.1%} |" in body
    for stage in record["stages"]:  # the stages x phases grid
        assert f"| {stage} |" in body
    for heading in ("## Data and splits", "## Metrics", "## Recipe", "## How to use", "## Intended use and limits"):
        assert heading in body
    assert "transferkit predict RUN_DIR" in body and 'tk.load("RUN_DIR")' in body
    assert "95% Wilson interval of its test accuracy is [" in body


def test_comparison_runs_carry_their_plans_interval(tiny_comparison):
    rows = {row["candidate"]: row for row in tiny_comparison.rows}
    with_interval = 0
    for entry in tiny_comparison.runs:
        _, body = read_card(tiny_comparison.dir / entry["dir"])
        record = json.loads((tiny_comparison.dir / entry["dir"] / "run.json").read_text())
        assert record["description"] in body
        row = rows.get(entry["candidate"])
        if row is not None:
            assert f"validation accuracy {fmt_interval(row['val'])}" in body and "t-interval over seeds" in body
            with_interval += 1
    assert with_interval == 2 * 2  # two plans, two seeds of each plan's chosen learning rate
