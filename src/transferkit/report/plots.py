"""The report's figures, drawn with matplotlib and returned as base64-encoded PNG for embedding.

Each `*_figure` function returns the Figure (laid out so that titles and labels do not overlap); the functions
without the suffix return it as PNG, or "" inside `without_figures()`. Text is drawn with a font fallback list, so
class names in any script (CJK included) draw without missing-glyph warnings.
"""

from __future__ import annotations

import base64
import contextvars
import functools
import io
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

WINNER, TIED, OTHER, ELIMINATED = "#2e7d32", "#81c784", "#5c7cfa", "#bdbdbd"
# tried in order for every character; matplotlib's own last-resort font draws a box where none has the glyph
FONT_FALLBACK = ("DejaVu Sans", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK KR", "Noto Sans CJK TC",
                 "Source Han Sans", "WenQuanYi Zen Hei", "Droid Sans Fallback", "Arial Unicode MS",
                 "Microsoft YaHei", "Yu Gothic", "Malgun Gothic", "PingFang SC", "Hiragino Sans",
                 "Apple SD Gothic Neo", "Noto Sans", "Last Resort High-Efficiency")

_DRAWING = contextvars.ContextVar("drawing", default=True)


@contextmanager
def without_figures() -> Iterator[None]:
    """Reports written inside leave their figures out (about a second of drawing per report on a small CPU): the runs
    of a comparison, whose figures the comparison's own report draws."""
    token = _DRAWING.set(False)
    try:
        yield
    finally:
        _DRAWING.reset(token)


@functools.cache
def installed_fonts() -> list[str]:
    """The families of FONT_FALLBACK that are installed (asking for a missing one logs a warning per text)."""
    names = {font.name for font in font_manager.fontManager.ttflist}
    return [name for name in FONT_FALLBACK if name in names] or ["DejaVu Sans"]


def with_fonts(draw: Callable[..., Any]) -> Callable[..., Any]:
    """Run `draw` with the font fallback list in matplotlib's rcParams (texts take their fonts when created)."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context({"font.family": installed_fonts()}):
            return draw(*args, **kwargs)

    return wrapper


@with_fonts
def to_png_base64(fig: Figure, dpi: int = 90) -> str:
    if not _DRAWING.get():
        return ""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _interval(v: dict[str, Any]) -> tuple[float, float]:
    """(low, high) in percent, clipped to 0-100; the mean twice when there is no interval (one seed)."""
    low = max(v["low"], 0.0) if v.get("low") is not None else v["mean"]
    high = min(v["high"], 1.0) if v.get("high") is not None else v["mean"]
    return low * 100, high * 100


@with_fonts
def leaderboard_figure(rows: list[dict[str, Any]]) -> Figure:
    """Mean validation accuracy with its 95% t-interval per plan, best first, on an axis zoomed to the intervals
    (a few points of difference stay visible)."""
    shown = [r for r in rows if r["val"]["mean"] is not None]
    fig = Figure(figsize=(7.5, 0.45 * len(shown) + 1.4), layout="constrained")
    ax = fig.subplots()
    y = list(range(len(shown)))[::-1]
    labels, ends = [], []
    for yi, row in zip(y, shown):
        mean, (low, high) = row["val"]["mean"] * 100, _interval(row["val"])
        ends += [low, high]
        color = (WINNER if row.get("winner") else TIED if row.get("tie") else
                 ELIMINATED if row["status"] != "ok" else OTHER)
        ax.errorbar([mean], [yi], xerr=[[mean - low], [high - mean]], fmt="o", color=color, ecolor=color,
                    capsize=4, markersize=7, elinewidth=1.5)
        plan = row.get("pair") or row["plan"]
        name = f"{plan} (lr x{row['lr_factor']:.3g})" if row["lr_factor"] is not None else plan
        note = f" — eliminated after {row['epochs']} ep" if row["status"] == "eliminated" else ""
        labels.append(f"{name}: {mean:.1f}%{note}")
    ax.set_yticks(y, labels)
    if ends:
        span = max(max(ends) - min(ends), 2.0)
        ax.set_xlim(max(0.0, min(ends) - 0.15 * span), min(100.0, max(ends) + 0.15 * span))
    ax.set_ylim(-0.7, len(shown) - 0.3)
    ax.set_xlabel("validation accuracy (%): mean over seeds with 95% t-interval (axis zoomed to the intervals)")
    ax.grid(axis="x", alpha=0.3)
    return fig


def leaderboard_chart(rows: list[dict[str, Any]]) -> str:
    return to_png_base64(leaderboard_figure(rows))


def _phase_ends(record: dict[str, Any]) -> list[float]:
    ends, total = [], 0
    for phase in record["plan"]["phases"][:-1]:
        total += phase.get("epochs_run", phase["epochs"])
        ends.append(total + 0.5)
    return ends


@with_fonts
def learning_curves_figure(title: str, runs: list[tuple[str, dict[str, Any]]]) -> Figure:
    """Validation accuracy and training loss per epoch of each (label, run record), phase ends dotted. Both axes
    span every epoch, so a run validated only at phase ends shows its few points in place."""
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    acc_ax, loss_ax = fig.subplots(1, 2)
    longest = 1
    for label, record in runs:
        history = record["history"]
        x = list(range(1, len(history) + 1))
        longest = max(longest, len(history))
        points = [(xi, e["val_accuracy"] * 100) for xi, e in zip(x, history) if e["val_accuracy"] is not None]
        size = 7 if len(points) <= 2 else 4
        line = acc_ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=size,
                           label=label)[0]
        loss_ax.plot(x, [e["train_loss"] for e in history], marker=".", color=line.get_color(), label=label)
        kept = ((record.get("kept") or {}).get("epoch") or {})
        if kept.get("val_accuracy") is not None:  # the epoch whose weights the run kept
            acc_ax.plot([kept["run_epoch"]], [kept["val_accuracy"] * 100], marker="*", markersize=11,
                        color=line.get_color(), linestyle="none")
    for ax in (acc_ax, loss_ax):
        for end in _phase_ends(runs[0][1]) if runs else []:
            ax.axvline(end, color="grey", linestyle=":", linewidth=1)
        ax.set_xlim(0.5, longest + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    acc_ax.set(title="validation accuracy (%)", xlabel="epoch")
    loss_ax.set(title="training loss", xlabel="epoch")
    loss_ax.legend(fontsize=7, loc="upper right")
    fig.suptitle(title, fontsize=10)
    return fig


def learning_curves(title: str, runs: list[tuple[str, dict[str, Any]]]) -> str:
    return to_png_base64(learning_curves_figure(title, runs))


@with_fonts
def confusion_figure(matrix: list[list[int]], classes: list[str], title: str) -> Figure:
    """Counts of (true class, predicted class); the diagonal is correct. Class names that do not fit side by side
    are turned upright on the x axis, the figure grows with them, and the title wraps to the figure's width."""
    n = len(classes)
    longest = max((len(c) for c in classes), default=1)
    side = min(10.0, 2.6 + 0.45 * n + 0.06 * longest)
    fig = Figure(figsize=(side + 0.8, side), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="Blues")
    turn = 90 if n > 10 or longest * n > 5 * side else 0  # upright only when the names fit side by side
    ax.set_xticks(range(n), classes, rotation=turn)
    ax.set_yticks(range(n), classes)
    ax.set(xlabel="predicted class", ylabel="true class")
    ax.set_title("\n".join(textwrap.wrap(title, width=max(20, int(side * 8)))), fontsize=10)
    if n <= 20:
        peak = max((max(row) for row in matrix), default=0)
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if value:
                    ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                            color="white" if value > peak / 2 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return fig


def confusion_chart(matrix: list[list[int]], classes: list[str], title: str) -> str:
    return to_png_base64(confusion_figure(matrix, classes, title))


@with_fonts
def reliability_chart(table: list[dict[str, Any]], ece: float, title: str) -> str:
    """Accuracy against mean confidence per confidence bin (bars, with the images per bin), and the diagonal of
    perfect calibration."""
    fig = Figure(figsize=(4.6, 4.2), layout="constrained")
    ax = fig.subplots()
    width = table[0]["high"] - table[0]["low"] if table else 0.1
    filled = [b for b in table if b["images"]]
    ax.bar([b["low"] for b in filled], [b["accuracy"] for b in filled], width=width, align="edge", color=OTHER,
           edgecolor="white", label="accuracy")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
    ax.plot([b["confidence"] for b in filled], [b["accuracy"] for b in filled], "o", color=WINNER, markersize=4,
            label="mean confidence")
    for b in filled:
        ax.text(b["low"] + width / 2, min(b["accuracy"], 0.93) + 0.02, str(b["images"]), ha="center", fontsize=7)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence (probability of the predicted class)", ylabel="accuracy",
           title=f"{title}\nexpected calibration error {ece:.3f}")
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3)
    return to_png_base64(fig)
