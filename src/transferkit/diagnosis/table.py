"""The diagnosis as rich tables for the terminal."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def _num(value: Any, pattern: str = "{:.2f}") -> str:
    return "-" if value is None else pattern.format(value)


def stage_table(record: dict[str, Any]) -> Table:
    """One row per stage: the shift measures and the linear-probe accuracy; shifted stages in red."""
    shifted = set(record["verdict"].get("shifted_stages", []))
    title = (f"How {record['target']['spec']} differs from the source of {record['model']['spec']}"
             if not record["source"].get("not_measured") else
             f"{record['target']['spec']} on the stages of {record['model']['spec']} (no source data: shift not measured)")
    table = Table(title=title)
    for col in ("stage", "proxy A-distance", "domain error", "linear MMD", "class shift", "linear probe"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for s in record["stages"]:
        table.add_row(s["stage"], _num(s["proxy_a_distance"]), _num(s["domain_error"], "{:.1%}"),
                      _num(s["mmd"], "{:.3f}"), _num(s["class_shift"]), _num(s["probe_accuracy"], "{:.1%}"),
                      style="red" if s["stage"] in shifted else None)
    return table


def label_space_line(record: dict[str, Any]) -> str:
    """The label spaces in one sentence (or why they were not compared)."""
    label = record["label_space"]
    if "not_measured" in label:
        return f"Label spaces: not compared ({label['not_measured']})."
    return (f"Label spaces: {label['shared_classes']} of {label['target_classes']} target classes are source classes"
            f" (source head accuracy on them {_num(label['source_head_accuracy'], '{:.1%}')}); the source classes "
            f"explain {label['explained_by_source_classes']:.0%} of the target labels.")


def balance_line(record: dict[str, Any]) -> str | None:
    balance = record["target"].get("class_balance")
    if balance is None:
        return None
    counts = balance["counts"]
    if balance["ratio"] == 1:
        return f"Class balance: balanced ({len(counts)} classes of {next(iter(counts.values()))} images each)."
    return (f"Class balance: '{balance['largest']}' has {balance['ratio']:g} times the images of "
            f"'{balance['smallest']}' ({len(counts)} classes).")


def summary_lines(record: dict[str, Any]) -> list[str]:
    """Label spaces, class balance, LogME, what was not measured, the verdict and its reasons, as lines of rich
    markup."""
    verdict = record["verdict"]
    lines = [label_space_line(record), balance_line(record),
             f"LogME of the final features: {_num(record['logme'], '{:.3f}')} (higher: the features suit the labels "
             "better)."]
    missing = record["source"].get("not_measured")
    if missing:
        lines.append(f"Not measured: {', '.join(missing)} ({record['source']['why']}).")
    lines.append(f"[bold]Verdict: {verdict['text']}[/]")
    lines += [f"  - {reason}" for reason in verdict["reasons"]]
    lines.append(f"Strategies to try: {', '.join(verdict['strategies'])}.")
    return [line for line in lines if line is not None]
