"""The report's mistakes: a gallery of the highest-loss images, the most-confused class pairs, and calibration."""

from __future__ import annotations

from html import escape
from typing import Any

from .html_parts import img, table
from .plots import reliability_chart

def _shown(entry: dict[str, Any], alt: str) -> str:
    if "text" in entry:
        return f'<blockquote class="text">{escape(entry["text"][:400])}</blockquote>'
    return img(entry["thumbnail"], alt)


def gallery(entries: list[dict[str, Any]]) -> str:
    figures = []
    for e in entries:
        state = "correct" if e["correct"] else "wrong"
        alt = f"true {e['true']}, predicted {e['predicted']} ({e['confidence']:.0%})"
        figures.append(
            f'<figure class="mistake {state}">{_shown(e, alt)}<figcaption>true <b>{escape(e["true"])}'
            f'</b><br>predicted <b>{escape(e["predicted"])}</b> ({e["confidence"]:.0%})<br>loss {e["loss"]:.2f}'
            "</figcaption></figure>")
    return f'<div class="gallery" id="mistakes-gallery">{"".join(figures)}</div>'


def mistakes_section(mistakes: dict[str, Any] | None, whose: str) -> str:
    """The section for a record's `mistakes` (None: nothing to show); `whose` says which run or data it is."""
    if not mistakes:
        return ""
    split = mistakes["split"]
    pairs = [[escape(p["true"]), escape(p["predicted"]), str(p["count"]), f"{p['share_of_true']:.0%}"]
             for p in mistakes["confused_pairs"]]
    pairs_html = (table(["true class", "predicted as", "images", f"share of the true class's {split} images"], pairs,
                        "confused-pairs") if pairs else "<p>No image was confused with another class.</p>")
    cal = mistakes["calibration"]
    chart = img(reliability_chart(cal["reliability"], cal["ece"], f"{whose}, {split}"), "reliability diagram",
                "reliability-diagram")
    confidence = "-" if cal["mean_confidence"] is None else f"{cal['mean_confidence']:.1%}"
    return (f'<section id="mistakes"><h2>Mistakes</h2><p class="note">{escape(whose)}, {escape(split)} split: the '
            f"{len(mistakes['gallery'])} images with the highest loss (red frame: wrong; green: right but unsure), "
            f"with their true class, the predicted class and its probability.</p>{gallery(mistakes['gallery'])}"
            f"<h3>Most-confused class pairs</h3>{pairs_html}<h3>Calibration</h3><p>Expected calibration error "
            f"<b>{cal['ece']:.3f}</b> over {cal['bins']} confidence bins ({cal['images']} images; mean confidence "
            f"{confidence}, accuracy {cal['accuracy']:.1%}). Bars: accuracy per confidence bin; on the diagonal a "
            f"model's confidence would equal its accuracy.</p>{chart}</section>")
