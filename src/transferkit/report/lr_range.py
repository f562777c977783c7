"""The report's learning-rate range tests: each plan's loss curve against the learning rate, and the chosen rate."""

from __future__ import annotations

from html import escape
from typing import Any

from matplotlib.figure import Figure

from .plots import to_png_base64


def range_chart(tests: dict[str, dict[str, Any]]) -> str:
    """Smoothed training loss against learning rate (log scale), one line per plan, the chosen rate marked."""
    fig = Figure(figsize=(7.5, 3.6))
    ax = fig.subplots()
    for name, test in tests.items():
        lrs = [p["lr"] for p in test["curve"]]
        (line,) = ax.plot(lrs, [p["smoothed"] for p in test["curve"]], label=name, linewidth=1.2)
        ax.axvline(test["chosen_lr"], color=line.get_color(), linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate of the phase (log scale); dotted: the chosen rate")
    ax.set_ylabel("smoothed training loss")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return to_png_base64(fig)


def lr_range_section(doc: dict[str, Any]) -> str:
    """The range tests of a comparison run with --lr-search range ('' otherwise)."""
    record = doc.get("lr_search") or {}
    tests = record.get("plans") or {}
    if record.get("method") != "range" or not tests:
        return ""
    rows = "".join(f"<tr><td>{escape(name)}</td><td>{escape(t['phase'])}</td><td>{t['planned_lr']:.3g}</td>"
                   f"<td>{t['chosen_lr']:.3g} (x{t['chosen_factor']:.3g})</td><td>{t['steps']}</td></tr>"
                   for name, t in tests.items())
    return (f'<section id="lr-range"><h2>Learning-rate range tests</h2><img alt="learning-rate range tests" '
            f'style="border:0" src="data:image/png;base64,{range_chart(tests)}"><table><thead><tr><th>plan</th>'
            "<th>phase tested</th><th>planned rate</th><th>chosen rate (factor)</th><th>steps</th></tr></thead>"
            f"<tbody>{rows}</tbody></table><p class='note'>Rule: {escape(record['rule'] or '')}. Every phase of the "
            "plan runs at its planned rate times the chosen factor. Only training images were read.</p></section>")
