"""The report's accuracy-against-inference-cost chart of a comparison of several networks, Pareto front marked, and the
table of what each network costs to use."""

from __future__ import annotations

from html import escape
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import ScalarFormatter

from ..select.table import fmt_interval, fmt_ms, fmt_params
from .html_parts import img, table
from .plots import ELIMINATED, OTHER, WINNER, to_png_base64, with_fonts

MARKERS = "osD^vP*Xh<>"


def pair_of(row: dict[str, Any]) -> str:
    """A row's or run's name: 'network · plan' in a comparison of several networks, else the plan."""
    return row.get("pair") or (f"{row['network']} · {row['plan']}" if row.get("network") else row["plan"])


def _plotted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["val"]["mean"] is not None and (r.get("inference") or {}).get("ms_per_image")]


@with_fonts
def cost_figure(rows: list[dict[str, Any]], metric: str = "accuracy") -> Figure:
    """Mean validation score (95% t-interval as a bar) against milliseconds per image, one marker shape
    per network; the Pareto front is the stepped line through the pairs no other pair beats on both."""
    shown = _plotted(rows)
    fig = Figure(figsize=(7.5, 4.6), layout="constrained")
    ax = fig.subplots()
    networks = list(dict.fromkeys(r["network"] for r in shown))
    for row in shown:
        x, mean = row["inference"]["ms_per_image"], row["val"]["mean"] * 100
        low = row["val"]["low"] * 100 if row["val"].get("low") is not None else mean
        high = row["val"]["high"] * 100 if row["val"].get("high") is not None else mean
        color = WINNER if row.get("winner") else ELIMINATED if row["status"] != "ok" else OTHER
        ax.errorbar([x], [mean], yerr=[[mean - low], [high - mean]], color=color, ecolor=color, capsize=3,
                    marker=MARKERS[networks.index(row["network"]) % len(MARKERS)], markersize=8, linestyle="none",
                    markeredgecolor="black" if row.get("pareto") else color)
        ax.annotate(row["plan"], (x, mean), textcoords="offset points", xytext=(6, 4), fontsize=7)
    front = sorted((r["inference"]["ms_per_image"], r["val"]["mean"] * 100) for r in shown if r.get("pareto"))
    if front:
        ax.step([p[0] for p in front], [p[1] for p in front], where="post", color=WINNER, linestyle="--",
                linewidth=1.2, label="Pareto front")
    for i, network in enumerate(networks):
        ax.plot([], [], marker=MARKERS[i % len(MARKERS)], color="grey", linestyle="none", label=network)
    costs = [r["inference"]["ms_per_image"] for r in shown]
    log = bool(costs) and max(costs) > 10 * min(costs)  # a log axis only when the costs span a decade
    if log:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.set_xlabel("inference cost: milliseconds per image on the run's device" + (" (log scale)" if log else ""))
    ax.set_ylabel(f"validation {metric} (%), mean over seeds")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="lower right")
    return fig


def cost_section(doc: dict[str, Any]) -> str:
    """The chart and the networks' costs, for a comparison of several networks ('' otherwise)."""
    networks = doc.get("networks")
    if not networks:
        return ""
    rows = doc["rows"]
    metric = (doc.get("selection") or {}).get("metric_name", "accuracy")
    chart = (img(to_png_base64(cost_figure(rows, metric)), "accuracy against inference cost, Pareto front marked",
                 "cost-chart") if _plotted(rows) else "<p>No pair finished with a score; nothing to draw.</p>")
    body = []
    for n in networks:
        cost = n.get("inference") or {}
        size = cost.get("input_size") or ["-", "-", "-"]
        body.append([escape(n["name"]), f"<code>{escape(n['spec'])}</code>", escape(fmt_params(cost)),
                     escape(fmt_ms(cost)), f"{size[1]} x {size[2]}", str(cost.get("batch_size", "-")),
                     escape(str(cost.get("device", "-")))])
    front = [r for r in rows if r.get("pareto")]
    best = ", ".join(f"{pair_of(r)} ({fmt_interval(r['val'])}, {fmt_ms(r.get('inference'))})" for r in front)
    return ('<section id="inference-cost"><h2>Accuracy against inference cost</h2>' + chart
            + f'<p class="note">Pareto front (no other pair is both cheaper to run and more accurate): '
            f"{escape(best or '-')}. Cost: eval-mode forward passes of the trained network (the target's head "
            "included) without gradients on the run's device, at the run's input size and batch size.</p>"
            + table(["network", "spec", "parameters", "ms/image", "input", "batch", "device"], body, "networks-table")
            + "</section>")
