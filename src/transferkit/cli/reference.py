"""The option reference in README.md and the plan-file keys in docs/plan-files.md, written from the same settings
fields as --help (scripts/refresh_option_tables.py rewrites them; a test checks they are current)."""

from __future__ import annotations

import dataclasses
import re

from ..settings.constraints import Flag
from .options import COMMANDS, Option

BEGIN, END = "<!-- options:begin -->", "<!-- options:end -->"
KEYS_BEGIN, KEYS_END = "<!-- plan-keys:begin -->", "<!-- plan-keys:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _shown(option: Option, value) -> str:
    if isinstance(option.setting.check, Flag):
        return "on" if value else "off"
    return "" if value is None else f"`{option.setting.check.show(value)}`"


def _default(option: Option, commands: list[tuple[str, Option]]) -> str:
    """The record's default, and each command's own where it differs."""
    own = [f"{name}: {_shown(o, o.default)}" for name, o in commands if o.default != option.usual]
    return ", ".join([_shown(option, option.usual), *own]).strip(", ")


def option_tables() -> str:
    """One table per panel: option, Python keyword, default, the commands that take it, what it does."""
    by_panel: dict[str, dict[str, list[tuple[str, Option]]]] = {}
    for command, options in COMMANDS.items():
        for option in options:
            by_panel.setdefault(option.panel, {}).setdefault(option.name, []).append((command, option))
    parts = []
    for panel, rows in by_panel.items():
        lines = [f"**{panel}**", "", "| option | Python | default | commands | what it does |",
                 "| --- | --- | --- | --- | --- |"]
        for name, commands in rows.items():
            option = commands[-1][1]
            lines.append(f"| `{option.setting.flag(name)}` | `{name}` | {_default(option, commands)} | "
                         f"{', '.join(c for c, _ in commands)} | {_cell(option.setting.help)} |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def plan_keys_table() -> str:
    """Every key a phase of a plan file takes, with its default and meaning."""
    from ..plans import Phase

    lines = ["| key | default | what it must be | what it does |", "| --- | --- | --- | --- |"]
    for f in dataclasses.fields(Phase):
        setting = f.metadata["setting"]
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        shown = "" if default is None else f"`{setting.check.show(default) if not isinstance(default, dict) else default}`"
        lines.append(f"| `{f.name}` | {shown} | {_cell(setting.check.what)} | {_cell(setting.help)} |")
    return "\n".join(lines)


def refresh(text: str, begin: str, end: str, table: str) -> str:
    """`text` with what stands between the `begin` and `end` markers replaced by `table`."""
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"the markers {begin} ... {end} are missing")
    return pattern.sub(lambda _: f"{begin}\n{table}\n{end}", text)
