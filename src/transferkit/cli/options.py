"""Command-line options generated from the settings records: one option per setting, with its help text, metavar,
default and panel from the field, read by the setting's own constraint (so a bad value gets the same one-line error as
in Python or a plan file, naming the option as typed).

    @command(app, records={"spec": RunSpec, "output": Output}, required=("model", "data", "out"))
    def adapt(spec: RunSpec, output: Output, strategy: str = typer.Option(...)) -> None: ...

The function keeps its own few options as ordinary typer parameters; the records' options are added to its
signature, and it is called with each record built from what the user gave.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Optional

import typer

from ..settings import Record, Setting, written_in
from ..settings.constraints import Flag, Invalid
from ..settings.fields import problem
from .user_errors import user_errors


@dataclass(frozen=True)
class CommandOptions:
    """How a command takes its records: `records` (parameter name -> record class), `exclude` (settings not offered:
    a public name, or `param.name` for one record's),
    `defaults` (the command's own defaults, used when an option is not given), `helps` (the command's own help
    texts), `required` (settings that must be given) and `prepare` (given the option values as typed, by public
    name, returns them with rules between records applied, e.g. one option standing in for another)."""

    records: dict[str, type[Record]]
    exclude: tuple[str, ...] = ()
    defaults: dict[str, Any] | None = None
    helps: dict[str, str] | None = None
    required: tuple[str, ...] = ()
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Option:
    """One option: the setting's public name, the record parameter it builds, its Setting, default (the command's own
    where it has one, else the record's `usual` one) and panel."""

    name: str
    param: str
    setting: Setting
    default: Any
    panel: str
    error: type
    usual: Any = None


def _described(record: type[Record], path: tuple[str, ...]) -> tuple[Setting, Any, type[Record]]:
    owner = record
    for name in path[:-1]:
        owner = owner.__dataclass_fields__[name].metadata["nested"]
    setting, default = owner.setting_of((path[-1],))
    return setting, default, owner


def options_of(how: CommandOptions) -> list[Option]:
    """The options of a command, record by record, in the order of their fields."""
    out = []
    for param, record in how.records.items():
        for name, path in record.settings().items():
            setting, default, owner = _described(record, path)
            if not setting.cli or name in how.exclude or f"{param}.{name}" in how.exclude:
                continue
            own = (how.defaults or {}).get(name, default)
            out.append(Option(name, param, setting, own, owner.panel, setting.error or owner.error, default))
    return out


def _typer_option(option: Option, how: CommandOptions) -> typer.models.OptionInfo:
    s, flag = option.setting, option.setting.flag(option.name)
    text = (how.helps or {}).get(option.name, s.help)
    required = option.name in how.required
    if isinstance(s.check, Flag):
        return typer.Option(bool(option.default), f"{flag}/--no-{flag[2:]}", help=text, rich_help_panel=option.panel)
    # the default as text, read back by the constraint like any given value
    default = ... if required else (None if option.default is None else s.check.show(option.default))
    return typer.Option(default, flag, help=text, metavar=s.check.metavar, show_default=default is not None,
                        rich_help_panel=option.panel)


def _read(option: Option, given: Any) -> Any:
    """The value of one option as given on the command line (text, or a flag's bool), checked by its constraint."""
    if given is None:
        return option.default
    if isinstance(given, bool):
        return given
    try:
        return option.setting.check.parse(given)
    except Invalid as exc:
        raise option.error(problem(option.name, exc.what or option.setting.check.what, given, option.setting,
                                   detail=exc.detail)) from None


def build_records(how: CommandOptions, options: list[Option], values: dict[str, Any]) -> dict[str, Record]:
    """Each record of the command from the parsed option values (names the user gave, or the command's defaults)."""
    built = {}
    for param, record in how.records.items():
        given = {o.name: _read(o, values[o.name]) for o in options if o.param == param}
        given = {k: v for k, v in given.items() if v is not None}
        built[param] = record.from_settings(given)
    return built


COMMANDS: dict[str, list[Option]] = {}  # command name -> its generated options (for docs and tests)


def command(app: typer.Typer, how: CommandOptions, name: str | None = None) -> Callable[[Callable], Callable]:
    """Register `fn` as a command whose options are its own parameters plus every setting of `how.records`; `fn` is
    called with the built records (as keywords named like `how.records`) and its own parameters. Errors of settings
    name them as the command line spells them."""

    def decorate(fn: Callable) -> Callable:
        options = options_of(how)
        own = [p for p in inspect.signature(fn).parameters.values() if p.name not in how.records]
        taken = {p.name for p in own}
        clash = [o.name for o in options if o.name in taken]
        if clash:
            raise ValueError(f"{fn.__name__}: option {clash[0]!r} is both a setting and the command's own")
        generated = [inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, default=_typer_option(o, how),
                                       annotation=bool if isinstance(o.setting.check, Flag) else Optional[str])
                     for o in options]
        hints = typing.get_type_hints(fn)
        own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints.get(p.name, p.annotation)) for p in own]

        @functools.wraps(fn)
        def callback(**values: Any) -> Any:
            with written_in("cli"):
                given = how.prepare(values) if how.prepare is not None else values
                records = build_records(how, options, given)
                return fn(**{p.name: values[p.name] for p in own}, **records)

        callback.__signature__ = inspect.Signature(own + generated)
        callback.__annotations__ = {}
        called = name or fn.__name__.replace("_", "-")
        app.command(called)(user_errors(callback))
        COMMANDS[called] = options
        return fn

    return decorate


def flag_names(record: type[Record]) -> list[str]:
    """The command-line flags of a record's settings (for docs and tests)."""
    return [s.flag(f.name) for f in fields(record) if "setting" in f.metadata and (s := f.metadata["setting"]).cli]
