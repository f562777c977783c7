"""The leaderboard as a rich table (printed at the end, and shown live while a comparison runs)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from .dev_fallback import words as dev_fallback_words
from .power import power_words
from .source_only import words as source_only_words


def fmt_interval(summary: dict[str, Any] | None) -> str:
    """'83.1% [80.2%, 86.0%]' (95% t-interval, clipped to [0%, 100%] as stats.summarize clips it), '83.1% (1 seed)',
    or '-'."""
    if not summary or summary.get("mean") is None:
        return "-"
    text = f"{summary['mean']:.1%}"
    if summary.get("low") is None:
        return text + f" ({summary['n']} seed)"
    return text + f" [{max(summary['low'], 0.0):.1%}, {min(summary['high'], 1.0):.1%}]"


def fmt_paired(row: dict[str, Any]) -> str:
    """'-2.1% [-3.5%, -0.7%] p=0.012' (difference to the best plan over paired seeds; Holm-corrected p), 'best', '-'."""
    if row.get("best"):
        return "best"
    test = row.get("paired")
    if not test or test.get("mean") is None:
        return "-"
    text = f"{test['mean']:+.1%}"
    if test.get("low") is None:
        return text + " (1 seed: cannot tell)"
    return text + f" [{test['low']:+.1%}, {test['high']:+.1%}] p={test['p_holm']:.2g}"


def fmt_bytes(value: int | None) -> str:
    if value is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1000 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return "-"


def fmt_factor(factor: float | None) -> str:
    return "-" if factor is None else f"x{factor:.3g}"


def fmt_ms(cost: dict[str, Any] | None) -> str:
    """'3.21 ms' per image at the run's batch size ('-' when not measured)."""
    return "-" if not cost or cost.get("ms_per_image") is None else f"{cost['ms_per_image']:.3g} ms"


def fmt_params(cost: dict[str, Any] | None) -> str:
    """'4.7M', '52.1k' parameters of the network with the target's head ('-' when not known)."""
    if not cost or cost.get("params") is None:
        return "-"
    n = cost["params"]
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.1f}k" if n >= 1e3 else str(n)


def fmt_epochs(row: dict[str, Any]) -> str:
    """'10', or '10 + 10 fixed' for a plan that trains fixed epochs on top of the budget (EPOCH_BUDGET)."""
    fixed = row.get("fixed_epochs") or 0
    return f"{row['epochs']}" + (f" + {fixed} fixed" if fixed else "")


def _points(value: float) -> str:
    return f"{100 * value:.1f} pts"


def _equivalence(row: dict[str, Any], margin: str) -> str:
    test = row.get("equivalence")
    if not test:
        return ""
    if test.get("shown"):
        return f"shown within {margin} (upper bound {_points(test['upper'])})"
    if test.get("upper") is None:
        return f"not shown within {margin} (one seed)"
    if test["upper"] < test["margin"] and test.get("p_holm") is not None:
        # below the margin alone, but not once the test is corrected for the other cheaper plans tried
        return (f"not shown within {margin} (upper bound {_points(test['upper'])}, but Holm-corrected "
                f"p = {test['p_holm']:.2g} over the cheaper plans)")
    return f"not shown within {margin} (upper bound {_points(test['upper'])})"


def status_text(row: dict[str, Any], margin: float | None = None) -> str:
    """What happened to the row, in words: its place under the rule, whether the paired test separated it from the
    best, and whether it was shown within the margin (`margin` as a fraction; None: from older leaderboards)."""
    if row["status"] == "failed":
        return "failed: " + "; ".join(row["errors"])[:120]
    if row["status"] == "eliminated":
        return f"eliminated after {row['epochs']} epoch{'s' if row['epochs'] != 1 else ''}"
    within = "the margin" if margin is None else f"{100 * margin:g} pt{'' if margin == 0.01 else 's'}"
    equivalence = _equivalence(row, within)
    if row.get("winner"):
        if row.get("source_only_kept"):
            return "winner: source-only kept, no plan beats it beyond the noise of the estimate"
        if row.get("best"):
            return "winner: highest mean"
        return "winner: cheaper, " + equivalence
    words = []
    if row.get("control"):
        words.append("control, never chosen")
    if row.get("source_only_refused"):
        words.append("would win, but does not beat source-only beyond the noise of the estimate")
    elif row.get("best"):
        words.append("highest mean; a cheaper plan is shown within " + within)
    elif row.get("paired"):
        words.append("not separated from the best" if row.get("tie") else "worse than the best (paired test)")
    if equivalence:
        words.append(equivalence)
    return "; ".join(words)


def table_caption(leaderboard: dict[str, Any], name: str) -> str:
    """The rule that chose, the power of the seeds, and how to read the columns."""
    selection = leaderboard.get("selection") or {}
    caption = (f"Selection by {escape(selection.get('metric', 'validation ' + name))} only. "
               f"Rule: {escape(selection.get('rule_short') or selection.get('rule', 'the highest mean'))}.")
    power = power_words(leaderboard.get("power"))
    if power:
        caption += " " + escape(power)
    fallback = dev_fallback_words(leaderboard.get("dev_fallback"))
    if fallback:
        caption += " " + escape(fallback)
    guard = source_only_words((leaderboard.get("winner") or {}).get("protected_by_source_only"))
    if guard:
        caption += " " + escape(guard)
    caption += (" \\[low, high] is the 95% t-interval over seeds (clipped to 0-100%); 'vs best' is the mean per-seed "
                "difference to the best plan with its 95% t-interval and the Holm-corrected p of the one-sided paired "
                "test (worse than the best?).")
    if any(r.get("fixed_epochs") for r in leaderboard["rows"]):
        caption += " Epochs: the budget every plan shares, + the fixed epochs of a head trained first on top of it."
    return caption


def leaderboard_table(leaderboard: dict[str, Any], title: str = "Leaderboard", note: str | None = None) -> Table:
    """Rank, plan, chosen learning rate, selection score mean [95% CI], the paired difference to the best plan, test
    (winner, or all with show_test; in domain adaptation every plan's target accuracy as the oracle), costs.

    An epochs column appears when plans ran for different epochs (successive halving).
    """
    show_test = leaderboard.get("show_test", False)
    selection = leaderboard.get("selection") or {}
    name = selection.get("metric_name", "accuracy").replace("-", " ")
    domain = leaderboard.get("oracle") is not None or any(r.get("oracle") for r in leaderboard["rows"])
    caption = table_caption(leaderboard, name)
    caption += (" Test is shown for every plan but was NOT used for selection." if show_test
                else " Test is shown for the winner only and was not used for selection.")
    if domain:
        caption += " Oracle = target accuracy with target labels: not usable for selection."
    if note:
        caption = escape(note) + "\n" + caption
    rows = leaderboard["rows"]
    networks = any(r.get("network") for r in rows)
    if networks:
        caption += (" Inference: milliseconds per image of the trained network on the run's device at the run's batch "
                    "size, and its parameters; * marks the Pareto front of accuracy against that cost.")
    with_epochs = len({r["epochs"] for r in rows}) > 1 or any(r.get("fixed_epochs") for r in rows)
    with_memory = any(r.get("peak_memory_bytes") is not None for r in rows)  # measured per run on CUDA only
    table = Table(title=escape(title), caption=caption)
    table.add_column("#", justify="right")
    if networks:
        table.add_column("network", overflow="fold")
    table.add_column("plan", overflow="fold", min_width=min(24, max((len(r["plan"]) for r in rows), default=4)))
    table.add_column("lr", no_wrap=True)
    if with_epochs:
        table.add_column("epochs", justify="right")
    table.add_column(f"{'selection' if domain else 'val'} {name} [95% CI]", justify="right", min_width=14)
    table.add_column("vs best (paired)", justify="right", min_width=10)
    table.add_column("test", justify="right", min_width=8)
    if domain:
        table.add_column("oracle (not usable)", justify="right", min_width=8)
    table.add_column("trainable params", justify="right")
    if networks:
        table.add_column("ms/image", justify="right")
        table.add_column("params", justify="right")
    table.add_column("s/run", justify="right")
    if with_memory:
        table.add_column("peak memory", justify="right")
    table.add_column("status", overflow="fold")
    margin = selection.get("margin")
    for row in rows:
        lrs = "/".join(f"{v:.2g}" for v in row["lrs"])
        style = "bold green" if row.get("winner") else ("dim" if row["status"] != "ok" else None)
        cells = [str(row.get("rank", "")), *([escape(row.get("network") or "-")] if networks else []),
                 escape(row["plan"]), f"{fmt_factor(row['lr_factor'])} ({lrs})"]
        if with_epochs:
            cells.append(fmt_epochs(row))
        cells += [fmt_interval(row["val"]), fmt_paired(row), fmt_interval(row.get("test"))]
        if domain:
            cells.append(fmt_interval(row.get("oracle")))
        cells += [
            "-" if row["trainable_params"] is None else f"{row['trainable_params']:,}",
            *([fmt_ms(row.get("inference")) + (" *" if row.get("pareto") else ""), fmt_params(row.get("inference"))]
              if networks else []),
            "-" if row["seconds"] is None else f"{row['seconds']:.1f}",
            *([fmt_bytes(row["peak_memory_bytes"])] if with_memory else []),
            escape(status_text(row, margin)),
        ]
        table.add_row(*cells, style=style)
    return table
