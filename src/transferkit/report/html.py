"""report.html: one self-contained page (inline CSS, figures as base64 PNG) for a comparison or a single run."""

from __future__ import annotations

from html import escape
from typing import Any

from ..select.power import power_words
from ..select.table import (fmt_bytes, fmt_epochs, fmt_factor, fmt_interval, fmt_ms, fmt_paired, fmt_params,
                            status_text)
from .cost_chart import cost_section, pair_of
from .html_grid import stage_phase_grid
from .html_mistakes import mistakes_section
from .html_parts import img as _img
from .html_parts import page_html
from .html_parts import table as _table
from .lr_range import lr_range_section
from .plots import confusion_chart, learning_curves, leaderboard_chart

def winner_box(doc: dict[str, Any]) -> str:
    w = doc.get("winner")
    if not w:
        why = doc.get("no_winner") or "no plan finished without errors"
        return f'<div class="winner-box">No plan chosen: {escape(why)}; see the leaderboard.</div>'
    lr = "" if w["lr_factor"] is None else f" at learning-rate factor {fmt_factor(w['lr_factor'])}"
    test = fmt_interval(w["test"])
    if doc.get("kind") == "run":
        return (f'<div class="winner-box" id="winner"><b>{escape(w["plan"])}</b> — {escape(w["term"] or "")}.<br>'
                f"Validation accuracy {escape(fmt_interval(w['val']))}; test accuracy {escape(test)}.</div>")
    return (f'<div class="winner-box" id="winner"><b>Chosen plan: {escape(pair_of(w))}</b>{escape(lr)} '
            f"— {escape(w['term'] or '')}.<br>Selection score {escape(fmt_interval(w['val']))} "
            f"({escape(w['reason'])}).<br>{_rule(doc)}{_reported(w)}Test accuracy {escape(test)} <span class='note'>(held out; "
            f"not used for any choice).</span></div>")


def _rule(doc: dict[str, Any]) -> str:
    """Which rule chose, and what the seeds could detect (comparisons written before the rule: nothing)."""
    rule = (doc.get("selection") or {}).get("rule")
    if not rule:
        return ""
    power = power_words(doc.get("power"))
    return f"Rule: {escape(rule)}.<br>" + (f"<b>{escape(power)}</b><br>" if power else "")


def _reported(w: dict[str, Any]) -> str:
    """The number to quote for the winner and the data it comes from (comparisons only)."""
    reported = w.get("reported")
    if not reported:
        return ""
    return (f"To quote: {escape(fmt_interval(reported['value']))} <span class='note'>(from "
            f"{escape(reported['data'])}; chosen among {w.get('chosen_among', '?')} candidates)</span>.<br>")


def leaderboard_section(doc: dict[str, Any], chart: bool = True) -> str:
    """The leaderboard as a table, under its chart (`chart`: with the chart, for a comparison)."""
    rows = doc["rows"]
    show_test = doc.get("show_test", False)
    margin = (doc.get("selection") or {}).get("margin")
    with_memory = any(r.get("peak_memory_bytes") is not None for r in rows)  # measured per run on CUDA only
    domain = doc.get("oracle") is not None
    metric = (doc.get("selection") or {}).get("metric_name", "accuracy")
    networks = any(r.get("network") for r in rows)
    headers = ["#", *(["network"] if networks else []), "plan", "term", "learning rate", "epochs (budget + fixed)", f"selection {metric} [95% CI within 0-100%]",
               "vs best: paired difference [95% CI], Holm p", "test (not used for selection)"]
    headers += ["oracle: target accuracy (not usable for selection)"] if domain else []
    headers += ["trainable params"] + (["inference (ms/image)", "parameters"] if networks else [])
    headers += ["time/run (s)", *(["peak GPU memory"] if with_memory else []), "training images",
                "status"]
    table_rows, classes = [], []
    for r in rows:
        lrs = "/".join(f"{v:.3g}" for v in r["lrs"])
        table_rows.append([
            str(r.get("rank", "")), *([escape(r.get("network") or "-")] if networks else []), escape(r["plan"]),
            escape(r.get("term") or "-"),
            escape(f"{fmt_factor(r['lr_factor'])} ({lrs})"), escape(fmt_epochs(r)), escape(fmt_interval(r["val"])),
            escape(fmt_paired(r)), escape(fmt_interval(r.get("test"))),
            *([escape(fmt_interval(r.get("oracle")))] if domain else []),
            "-" if r["trainable_params"] is None else f"{r['trainable_params']:,}",
            *([escape(fmt_ms(r.get("inference")) + (" (Pareto front)" if r.get("pareto") else "")),
               escape(fmt_params(r.get("inference")))] if networks else []),
            "-" if r["seconds"] is None else f"{r['seconds']:.1f}",
            *([escape(fmt_bytes(r["peak_memory_bytes"]))] if with_memory else []),
            f"{r['train_images']:,}", escape(status_text(r, margin)),
        ])
        classes.append("winner" if r.get("winner") else "dim" if r["status"] != "ok" else "")
    test_note = ("Test accuracy is shown for every plan (--show-test) but was NOT used for any choice."
                 if show_test else "Test accuracy is shown for the winner only; it was not used for any choice.")
    selection = doc.get("selection", {})
    has_values = any(r["val"]["mean"] is not None for r in rows)
    chart = _img(leaderboard_chart(rows), "leaderboard: validation accuracy with 95% confidence intervals",
                 "leaderboard-chart") if chart and has_values and doc.get("kind") != "run" else ""
    return (
        f'<section id="leaderboard"><h2>{"Result" if doc.get("kind") == "run" else "Leaderboard"}</h2>' + chart
        + _table(headers, table_rows, "leaderboard-table", "", classes)
        + f'<p class="note">Selection: {escape(selection.get("metric", ""))}; learning rate: '
        f'{escape(selection.get("learning_rate", ""))}; rule: {escape(selection.get("rule", "-"))}; ties: '
        f'{escape(selection.get("ties", ""))}. {escape(power_words(doc.get("power")))} {escape(test_note)} '
        f'Epochs: {escape(selection.get("epochs", "the budget of every plan"))}. '
        "Training images = images processed in training by all runs of the row's learning rate (epochs x images), "
        "a measure of compute that does not depend on machine load.</p></section>"
    )


def lr_section(doc: dict[str, Any]) -> str:
    rows = [r for r in doc["rows"] if len(r.get("lr_grid", [])) > 1]
    if not rows:
        return ""
    parts = ['<section id="learning-rates"><h2>Learning rates tried</h2><p class="note">Each plan ran at its '
             "preset learning rates times each factor; the factor with the highest mean validation accuracy "
             "(at the plan's largest budget) was kept.</p>"]
    for r in rows:
        body = [[fmt_factor(g["lr_factor"]), "/".join(f"{v:.3g}" for v in g["lrs"]), str(g["epochs"]),
                 "-" if g["val_mean"] is None else f"{g['val_mean']:.1%}", str(g["seeds"]), g["status"]]
                for g in r["lr_grid"]]
        parts.append(f"<h3>{escape(pair_of(r))}</h3>" + _table(
            ["factor", "learning rate per phase", "epochs", "mean val accuracy", "seeds", "status"], body,
            css_class="lr-grid"))
    return "".join(parts) + "</section>"


def rungs_section(doc: dict[str, Any]) -> str:
    rungs = (doc.get("search") or {}).get("rungs") or []
    if not rungs:
        return ""
    body = []
    for r in rungs:
        kept = ", ".join(r["kept"]) if r["kept"] else "(final rung)"
        body.append([str(r["rung"] + 1), str(r["epochs"]), str(len(r["trained"])), escape(kept)])
    eta = doc["search"].get("eta")
    return ('<section id="rungs"><h2>Successive halving</h2>'
            f'<p class="note">Each rung trains its candidates from the start for its epochs (eta = {eta}), phases '
            "with fixed epochs shortened in the same proportion; the candidate the selection rule chooses at the rung "
            "and then the best by mean validation score go on to the next rung (controls never do).</p>"
            + _table(["rung", "epochs", "candidates trained", "kept for the next rung"], body, "rungs-table")
            + "</section>")


def _run_label(entry: dict[str, Any]) -> str:
    lr = f"{fmt_factor(entry['lr_factor'])} " if entry.get("lr_factor") is not None else ""
    return f"{lr}seed {entry['seed']} · {entry['epochs']} ep"


def curves_section(doc: dict[str, Any], records: dict[str, dict[str, Any]]) -> str:
    parts = ['<section id="curves"><h2>Learning curves</h2>']
    for row in doc["rows"]:
        runs = [(_run_label(e), records[e["dir"]]) for e in doc["runs"]
                if pair_of(e) == pair_of(row) and e.get("dir") in records]
        if runs:
            parts.append(_img(learning_curves(pair_of(row), runs), f"learning curves of {pair_of(row)}"))
    return "".join(parts) + "</section>"


def chosen_record(row: dict[str, Any], records: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    return next((records[r["dir"]] for r in row["runs"] if r.get("dir") in records), None)


def grids_section(doc: dict[str, Any], records: dict[str, dict[str, Any]]) -> str:
    parts = ['<section id="grids"><h2>What trained: stages x phases</h2><p class="note">Green: the stage trains '
             "in that phase (at the learning rate shown); grey: frozen. BN: the batch-norm policy applied.</p>"]
    for row in doc["rows"]:
        record = chosen_record(row, records)
        if record is not None:
            parts.append(stage_phase_grid(record, f"{pair_of(row)} — {record['term']}"))
    return "".join(parts) + "</section>"


def confusion_section(doc: dict[str, Any], records: dict[str, dict[str, Any]]) -> str:
    winner_row = next((r for r in doc["rows"] if r.get("winner")), None)
    if winner_row is None:
        return ""
    chosen = [records[r["dir"]] for r in winner_row["runs"] if r.get("dir") in records]
    if not chosen:
        return ""
    classes = chosen[0]["data"]["classes"]
    total = [[0] * len(classes) for _ in classes]
    for record in chosen:
        for i, row in enumerate(record["metrics"]["val"]["confusion_matrix"]):
            for j, value in enumerate(row):
                total[i][j] += int(value)
    title = f"{pair_of(winner_row)}: validation set, summed over {len(chosen)} run(s)"
    return ('<section id="confusion"><h2>Confusion matrix of the chosen plan</h2>'
            + _img(confusion_chart(total, classes, title), "confusion matrix of the chosen plan", "confusion-matrix")
            + "</section>")


def winner_mistakes(doc: dict[str, Any], records: dict[str, dict[str, Any]]) -> str:
    """The mistakes of the chosen plan's first run (by seed) that recorded them."""
    winner_row = next((r for r in doc["rows"] if r.get("winner")), None)
    for run in (winner_row or {}).get("runs", []):
        record = records.get(run.get("dir"))
        if record is not None and record.get("mistakes"):
            whose = "This run" if doc.get("kind") == "run" else f"{pair_of(winner_row)}, seed {run['seed']}"
            return mistakes_section(record["mistakes"], whose)
    return ""


def data_section(records: list[dict[str, Any]]) -> str:
    if not records:
        return ""
    by_seed: dict[Any, dict[str, Any]] = {}
    for record in records:
        by_seed.setdefault(record["data"].get("split_seed"), record["data"])
    first = next(iter(by_seed.values()))
    same = all(d["splits"][s]["class_counts"] == first["splits"][s]["class_counts"]
               for d in by_seed.values() for s in ("train", "val", "test"))
    splits = ("train", "val", "test")
    rows = [[escape(c)] + [str(first["splits"][s]["class_counts"].get(c, 0)) for s in splits] for c in first["classes"]]
    rows.append(["<b>total</b>"] + [f"<b>{first['splits'][s]['images']}</b>" for s in splits])
    seeds = ", ".join(str(s) for s in by_seed)
    note = (f"Split seeds {seeds}: every seed draws its own images with these class counts."
            if same else f"Split seed {next(iter(by_seed))}; other seeds' counts differ and are in their run.json.")
    lpc = first.get("labels_per_class")
    parts = ['<section id="data"><h2>Data</h2>',
             f"<p>{escape(first['spec'])}: {len(first['classes'])} classes"
             f"{f', {lpc} labelled training images per class' if lpc else ''}. {escape(note)}</p>",
             _table(["class", "train", "validation", "test"], rows, "data-table")]
    skipped = first.get("skipped") or []
    if skipped:
        parts.append(_table(["skipped file", "reason"], [[escape(str(s.get("path"))), escape(str(s.get("reason")))]
                                                         for s in skipped], "skipped-table"))
    else:
        parts.append("<p>Skipped files: none.</p>")
    return "".join(parts) + "</section>"


def descriptions_section(doc: dict[str, Any], records: dict[str, dict[str, Any]]) -> str:
    parts = ['<section id="descriptions"><h2>What each run did</h2>']
    for e in doc["runs"]:
        if e.get("dir") in records:
            parts.append(f"<details><summary>{escape(pair_of(e))} · {escape(_run_label(e))} · "
                         f"<code>{escape(e['dir'])}</code></summary><p>{escape(records[e['dir']]['description'])}</p>"
                         "</details>")
        elif e["status"] != "ok":
            parts.append(f"<p>{escape(pair_of(e))} · {escape(_run_label(e))}: failed — "
                         f"{escape(e.get('error', ''))}</p>")
    return "".join(parts) + "</section>"


def render_report(doc: dict[str, Any], records: dict[str, dict[str, Any]]) -> str:
    """The whole page from a comparison document (leaderboard.json content) and run records keyed by run dir."""
    title = doc.get("title") or "transferkit report"
    model = doc.get("model", "-")
    models = f"models {', '.join(model)}" if isinstance(model, list) else f"model {model}"
    settings = [models, f"data {doc.get('data', '-')}"]
    if doc.get("seeds") is not None:
        settings.append(f"seeds {', '.join(str(s) for s in doc['seeds'])}")
    if doc.get("epochs") is not None:
        settings.append(f"{doc['epochs']} epochs per plan")
    if doc.get("search"):
        settings.append(f"search {doc['search']['method']}")
    compute = doc.get("compute", {})
    if compute:
        settings.append(f"{compute['runs']} runs, {compute['train_images']:,} training images processed")
    ordered = [records[e["dir"]] for e in doc["runs"] if e.get("dir") in records]
    body = "".join([
        f"<h1>{escape(title)}</h1><p class='note'>{escape(' · '.join(settings))}</p>",
        winner_box(doc), leaderboard_section(doc), cost_section(doc), lr_section(doc), lr_range_section(doc),
        rungs_section(doc),
        curves_section(doc, records), grids_section(doc, records), confusion_section(doc, records),
        winner_mistakes(doc, records), data_section(ordered), descriptions_section(doc, records),
    ])
    return page_html(title, body)

