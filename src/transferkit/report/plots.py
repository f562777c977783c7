"""The report's figures, drawn with matplotlib and returned as base64-encoded PNG for embedding."""

from __future__ import annotations

import base64
import io
from typing import Any

from matplotlib.figure import Figure

WINNER, TIED, OTHER, ELIMINATED = "#2e7d32", "#81c784", "#5c7cfa", "#bdbdbd"


def to_png_base64(fig: Figure, dpi: int = 90) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def leaderboard_chart(rows: list[dict[str, Any]]) -> str:
    """Horizontal bars of mean validation accuracy with 95% t-interval error bars, best first."""
    shown = [r for r in rows if r["val"]["mean"] is not None]
    fig = Figure(figsize=(7.5, 0.5 * len(shown) + 1.4))
    ax = fig.subplots()
    labels, means, errors, colors = [], [], [[], []], []
    for row in shown:
        v = row["val"]
        labels.append(f"{row['plan']} (lr x{row['lr_factor']:.3g})" if row["lr_factor"] is not None else row["plan"])
        means.append(v["mean"] * 100)
        errors[0].append((v["mean"] - max(v["low"], 0.0)) * 100 if v["low"] is not None else 0.0)
        errors[1].append((min(v["high"], 1.0) - v["mean"]) * 100 if v["high"] is not None else 0.0)
        colors.append(WINNER if row.get("winner") else TIED if row.get("tie") else
                      ELIMINATED if row["status"] != "ok" else OTHER)
    y = list(range(len(shown)))[::-1]
    ax.barh(y, means, xerr=errors, color=colors, capsize=4, error_kw={"elinewidth": 1.2})
    ax.set_yticks(y, labels)
    for yi, row, m in zip(y, shown, means):
        note = f"{m:.1f}%" + (f" (eliminated after {row['epochs']} ep)" if row["status"] == "eliminated" else "")
        ax.text(1, yi, note, va="center", ha="left", fontsize=8, color="white" if m > 15 else "black")
    ax.set_xlim(0, 100)
    ax.set_xlabel("validation accuracy (%), mean over seeds with 95% t-interval (within 0-100)")
    ax.grid(axis="x", alpha=0.3)
    return to_png_base64(fig)


def learning_curves(title: str, runs: list[tuple[str, dict[str, Any]]]) -> str:
    """Validation accuracy and training loss per epoch of each (label, run record), phase ends dotted, the kept
    epoch starred."""
    fig = Figure(figsize=(9, 3.2))
    acc_ax, loss_ax = fig.subplots(1, 2)
    for label, record in runs:
        history = record["history"]
        x = list(range(1, len(history) + 1))
        points = [(xi, e["val_accuracy"] * 100) for xi, e in zip(x, history) if e["val_accuracy"] is not None]
        line = acc_ax.plot([p[0] for p in points], [p[1] for p in points], marker=".", label=label)[0]
        loss_ax.plot(x, [e["train_loss"] for e in history], marker=".", color=line.get_color(), label=label)
        kept = ((record.get("kept") or {}).get("epoch") or {})
        if kept.get("val_accuracy") is not None:  # the epoch whose weights the run kept
            acc_ax.plot([kept["run_epoch"]], [kept["val_accuracy"] * 100], marker="*", markersize=11,
                        color=line.get_color(), linestyle="none")
    if runs:
        ends, total = [], 0
        for phase in runs[0][1]["plan"]["phases"][:-1]:
            total += phase.get("epochs_run", phase["epochs"])
            ends.append(total + 0.5)
        for ax in (acc_ax, loss_ax):
            for end in ends:
                ax.axvline(end, color="grey", linestyle=":", linewidth=1)
    acc_ax.set(title="validation accuracy (%)", xlabel="epoch")
    loss_ax.set(title="training loss", xlabel="epoch")
    loss_ax.legend(fontsize=7, loc="upper right")
    fig.suptitle(title, fontsize=10)
    for ax in (acc_ax, loss_ax):
        ax.grid(alpha=0.3)
    return to_png_base64(fig)


def confusion_chart(matrix: list[list[int]], classes: list[str], title: str) -> str:
    """Counts of (true class, predicted class); the diagonal is correct."""
    n = len(classes)
    side = min(9.0, 2.0 + 0.45 * n)
    fig = Figure(figsize=(side, side))
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(n), classes, rotation=90 if n > 10 else 0)
    ax.set_yticks(range(n), classes)
    ax.set(xlabel="predicted class", ylabel="true class", title=title)
    if n <= 20:
        peak = max((max(row) for row in matrix), default=0)
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if value:
                    ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                            color="white" if value > peak / 2 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return to_png_base64(fig)


def reliability_chart(table: list[dict[str, Any]], ece: float, title: str) -> str:
    """Accuracy against mean confidence per confidence bin (bars, with the images per bin), and the diagonal of
    perfect calibration."""
    fig = Figure(figsize=(4.6, 4.2))
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
