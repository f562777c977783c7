"""A plan as a stages x phases grid: what trained in each phase, at which learning rate, with which batch-norm policy."""

from __future__ import annotations

from html import escape
from typing import Any


def _cell(stage: dict[str, Any]) -> tuple[str, str]:
    """(css class, cell html) of one stage in one phase (a run.json plan.phases[*].stages entry)."""
    bn = stage.get("bn")
    bn_text = f"BN {bn}" if bn else "no BN"
    if stage["trainable"]:
        params = stage.get("params", "all")
        what = "trains" if params in ("all", None) else f"trains {params} only"
        lr = f"lr {stage['lr']:.3g}" if stage.get("lr") is not None else ""
        count = f"{stage.get('trainable_params', 0):,} params"
        return "train", "<br>".join(escape(t) for t in (what, lr, bn_text, count) if t)
    return "frozen", "<br>".join(escape(t) for t in ("frozen", bn_text))


def stage_phase_grid(record: dict[str, Any], caption: str = "") -> str:
    """An HTML table: one row per stage (stem first, head last), one column per phase."""
    phases = record["plan"]["phases"]
    head = "".join(f"<th>phase {i}: {escape(p['name'])}<br><small>{p['epochs']} epochs</small></th>"
                   for i, p in enumerate(phases, 1))
    rows = []
    for stage in record["stages"]:
        cells = []
        for phase in phases:
            css, text = _cell(phase["stages"][stage])
            cells.append(f'<td class="{css}">{text}</td>')
        rows.append(f"<tr><th>{escape(stage)}</th>{''.join(cells)}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (f'<table class="grid" data-plan="{escape(record["strategy"])}">{cap}'
            f"<thead><tr><th>stage</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
