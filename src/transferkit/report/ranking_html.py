"""report.html of `rank`: the networks in ranked order with every score, what each score is, what was not measured."""

from __future__ import annotations

from html import escape
from typing import Any

from ..select.ranking import SCORE_NAMES, not_measured_lines, score_text
from ..settings.choices import RANK_SCORES
from .html_parts import page_html, table

MEANINGS = {
    "logme": "log maximum evidence of a linear model on the features (You et al. 2021)",
    "leep": "log expected empirical prediction from the source head's softmax (Nguyen et al. 2020)",
    "nce": "negative conditional entropy of the labels given the source head's class (Tran et al. 2019)",
    "h-score": "between-class over total feature covariance, shrunk (Bao et al. 2019)",
    "knn": "cross-validated accuracy of a cosine 5-NN on the training split's features",
    "linear-probe": "cross-validated accuracy of a logistic regression on the training split's features",
}


def render_ranking(doc: dict[str, Any]) -> str:
    """The whole page from ranking.json's content."""
    score = doc["score"]
    by_model = {row["model"]: row for row in doc["networks"]}
    headers = ["#", "network", *(SCORE_NAMES[n] for n in RANK_SCORES), "ImageNet top-1", "parameters", "seconds"]
    rows, classes = [], []
    for i, model in enumerate(doc["order"], 1):
        row = by_model[model]
        top1 = row.get("imagenet_top1")
        params = row.get("parameters")
        rows.append([str(i), escape(model), *(score_text(row, n, 4) for n in RANK_SCORES),
                     "—" if top1 is None else f"{top1:.1f}%", "—" if params is None else f"{params / 1e6:.2f}M",
                     f"{row.get('total_seconds', 0):.1f}"])
        classes.append("winner" if i == 1 and row["status"] == "scored" else ("dim" if row["status"] == "failed"
                                                                                else ""))
    labels = f", {doc['labels_per_class']} labels per class" if doc.get("labels_per_class") else ""
    body = [f"<h1>Which network for {escape(doc['data'])}?</h1>",
            f"<p>Networks ranked by <b>{SCORE_NAMES[score]}</b> before any training, from one forward pass of each "
            f"over the training split (seed {doc['seed']}{labels}). Higher is better for every score.</p>",
            table(headers, rows, css_id="ranking", row_classes=classes)]
    notes = not_measured_lines(doc)
    if notes:
        body.append("<ul class=\"note\">" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
    body.append("<h2>The scores</h2><ul>" + "".join(f"<li><b>{SCORE_NAMES[n]}</b>: {escape(MEANINGS[n])}</li>"
                                                      for n in RANK_SCORES) + "</ul>")
    body.append(f"<p class=\"note\">Finished in {doc['seconds']:.1f} s.</p>")
    return page_html(f"Ranking: {doc['data']}", "".join(body))
