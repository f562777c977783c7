"""report.html of an evaluation: a trained model's metrics on another labelled data set."""

from __future__ import annotations

from html import escape
from typing import Any

from .html_mistakes import mistakes_section
from .html_parts import img, page_html, table
from .plots import confusion_chart


def evaluation_report_html(record: dict[str, Any]) -> str:
    """The page from evaluation.json's content."""
    model, data, metrics = record["model"], record["data"], record["metrics"]
    title = f"transferkit evaluation: {data['spec']}"
    recorded = model.get("recorded_test_accuracy")
    before = (f" (on its own test split: {recorded:.1%})" if recorded is not None else "")
    summary = (f'<div class="winner-box" id="evaluation">Accuracy <b>{metrics["accuracy"]:.1%}</b> on '
               f"{metrics['images']} images of {escape(data['spec'])}{escape(before)}.<br>Model: "
               f"<code>{escape(model['dir'])}</code> — {escape(model.get('term') or 'a model directory')}.</div>")
    rows = [[escape(name), str(data["class_counts"].get(name, 0)), "-" if acc is None else f"{acc:.1%}"]
            for name, acc in metrics["per_class_accuracy"].items()]
    classes = table(["class", "images", "accuracy"], rows, "per-class-table")
    chart = img(confusion_chart(metrics["confusion_matrix"], data["classes"], data["spec"]),
                 "confusion matrix of the evaluation", "confusion-matrix")
    body = (f"<h1>{escape(title)}</h1>{summary}<section id='classes'><h2>Per class</h2>{classes}</section>"
            f"<section id='confusion'><h2>Confusion matrix</h2>{chart}</section>"
            + mistakes_section(record.get("mistakes"), f"the model of {model['dir']}"))
    return page_html(title, body)
