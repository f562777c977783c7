"""The diagnosis as rich tables for the terminal."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def _num(value: Any, pattern: str = "{:.2f}") -> str:
    return "-" if value is None else pattern.format(value)


def stage_table(record: dict[str, Any]) -> Table:
    """One row per stage: the shift measures and the linear-probe accuracy; shifted stages in red."""
    shifted = set(record["verdict"].get("shifted_stages", []))
    table = Table(title=f"How {record['target']['spec']} differs from the source of {record['model']['spec']}")
    for col in ("stage", "proxy A-distance", "domain error", "linear MMD", "class shift", "linear probe"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for s in record["stages"]:
        table.add_row(s["stage"], _num(s["proxy_a_distance"]), _num(s["domain_error"], "{:.1%}"),
                      _num(s["mmd"], "{:.3f}"), _num(s["class_shift"]), _num(s["probe_accuracy"], "{:.1%}"),
                      style="red" if s["stage"] in shifted else None)
    return table


def summary_lines(record: dict[str, Any]) -> list[str]:
    """Label spaces, LogME, the verdict and its reasons, as lines of rich markup."""
    label = record["label_space"]
    verdict = record["verdict"]
    lines = [
        f"Label spaces: {label['shared_classes']} of {label['target_classes']} target classes are source classes"
        f" (source head accuracy on them {_num(label['source_head_accuracy'], '{:.1%}')}); the source classes "
        f"explain {label['explained_by_source_classes']:.0%} of the target labels.",
        f"LogME of the final features: {_num(record['logme'], '{:.3f}')} (higher: the features suit the labels better).",
        f"[bold]Verdict: {verdict['text']}[/]",
    ]
    lines += [f"  - {reason}" for reason in verdict["reasons"]]
    lines.append(f"Strategies to try: {', '.join(verdict['strategies'])}.")
    return lines
