"""The diagnosis as HTML: a section for a report page (verdict, per-stage table, shift profile figure), and a
standalone page around it (diagnosis.html). Reads only the content of diagnosis.json."""

from __future__ import annotations

import base64
import io
from html import escape
from typing import Any

from matplotlib.figure import Figure

from .table import balance_line, label_space_line

_CSS = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1000px;
color:#222;padding:0 1rem;line-height:1.45}table{border-collapse:collapse;margin:.6rem 0;font-size:.88rem}
th,td{border:1px solid #ddd;padding:.3rem .5rem}thead th{background:#f5f5f5}.num{text-align:right}
.verdict{background:#fff8e1;border-left:5px solid #f9a825;padding:.7rem 1rem;margin:1rem 0}
.note{color:#666;font-size:.85rem}img{max-width:100%;height:auto}tr.shifted td{background:#fdecea}"""


def _num(value: Any, pattern: str = "{:.2f}") -> str:
    return "-" if value is None else pattern.format(value)


def _nan(value: Any) -> float:
    return float("nan") if value is None else value


def shift_profile_png(record: dict[str, Any]) -> str:
    """Base64 PNG: proxy A-distance and class shift per stage (left), linear-probe accuracy per stage (right)."""
    stages = record["stages"]
    names = [s["stage"] for s in stages]
    fig = Figure(figsize=(9, 3.0))
    shift_ax, probe_ax = fig.subplots(1, 2)
    x = list(range(len(names)))
    shift_ax.plot(x, [_nan(s["proxy_a_distance"]) for s in stages], marker="o", label="proxy A-distance (0-2)")
    if any(s["class_shift"] is not None for s in stages):
        shift_ax.plot(x, [s["class_shift"] if s["class_shift"] is not None else float("nan") for s in stages],
                      marker="s", label="class shift")
    limits = record.get("thresholds", {})
    if "proxy_a_distance_shifted" in limits:
        shift_ax.axhline(limits["proxy_a_distance_shifted"], color="#999", linestyle=":", linewidth=1)
    shift_ax.set_xticks(x, names)
    shift_ax.set_title("shift between source and target, per stage", fontsize=9)
    shift_ax.legend(fontsize=7)
    shift_ax.grid(alpha=0.3)
    probes = [s["probe_accuracy"] * 100 if s["probe_accuracy"] is not None else float("nan") for s in stages]
    probe_ax.plot(x, probes, marker="o", color="#2e7d32")
    probe_ax.set_xticks(x, names)
    probe_ax.set_ylim(0, 100)
    probe_ax.set_title("linear-probe accuracy of the target labels (%)", fontsize=9)
    probe_ax.grid(alpha=0.3)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def diagnosis_section(record: dict[str, Any]) -> str:
    """`<section id="diagnosis">` with the verdict, its reasons, the per-stage table and the figure."""
    verdict = record["verdict"]
    shifted = set(verdict.get("shifted_stages", []))
    rows = []
    for s in record["stages"]:
        cls = ' class="shifted"' if s["stage"] in shifted else ""
        cells = [escape(s["stage"]), _num(s["proxy_a_distance"]), _num(s["domain_error"], "{:.1%}"),
                 _num(s["mmd"], "{:.3f}"), _num(s["class_shift"]), _num(s["probe_accuracy"], "{:.1%}")]
        rows.append(f"<tr{cls}>" + "".join(f'<td class="num">{c}</td>' if i else f"<td>{c}</td>"
                                           for i, c in enumerate(cells)) + "</tr>")
    headers = ["stage", "proxy A-distance", "domain-classifier error", "linear MMD", "class shift",
               "linear-probe accuracy"]
    reasons = "".join(f"<li>{escape(r)}</li>" for r in verdict.get("reasons", []))
    strategies = ", ".join(escape(s) for s in verdict.get("strategies", []))
    logme = _num(record.get("logme"), "{:.3f}")
    matching = record.get("prior_match")
    compared = (f"Source features compared: {escape(str(matching['method']))} matching. " if matching else
                f"Not measured: {escape(', '.join(record['source'].get('not_measured', [])))} "
                f"({escape(record['source'].get('why', ''))}). ")
    return (
        '<section id="diagnosis"><h2>Diagnosis: how the target differs from the source</h2>'
        f'<div class="verdict" id="verdict"><b>{escape(verdict["text"])}</b><ul>{reasons}</ul>'
        f"Strategies to try: {strategies}.</div>"
        f'<img alt="shift and linear-probe accuracy per stage" src="data:image/png;base64,{shift_profile_png(record)}">'
        '<table id="diagnosis-stages"><thead><tr>' + "".join(f"<th>{escape(h)}</th>" for h in headers)
        + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        f'<p class="note">{escape(label_space_line(record))} {escape(balance_line(record) or "")} LogME of the final '
        f"features: {logme}. {compared}Rows in red are shifted stages.</p></section>"
    )


def diagnosis_page(record: dict[str, Any]) -> str:
    """A self-contained HTML page with the diagnosis section."""
    title = f"Diagnosis of {record['target']['spec']} for {record['model']['spec']}"
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title><style>{_CSS}</style>"
            f"</head><body><h1>{escape(title)}</h1>{diagnosis_section(record)}</body></html>\n")
