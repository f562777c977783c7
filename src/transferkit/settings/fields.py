"""Settings as dataclass fields: each carries its help text and its constraint, and a Record checks them all in one
place with one message form, naming the setting as the user wrote it: `--epochs` on the command line, `epochs` in
Python and in plan files, each with a valid example in that form.

    epochs: int | None = setting(None, Whole(min=1), "Epoch budget, shared in proportion by the plan's phases.")

The command line's options, their checks, the Python keywords and the plan file keys are all read from these fields.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from ..errors import TransferkitError
from ..registry import suggestion
from .constraints import Constraint, Invalid

_SURFACE: ContextVar[str] = ContextVar("surface", default="python")
_WHERE: ContextVar[str] = ContextVar("where", default="")
SURFACES = ("python", "cli", "yaml")


@contextlib.contextmanager
def written_in(surface: str, where: str = "") -> Iterator[None]:
    """Within the block, errors name settings as `surface` spells them ("cli": --name; "yaml" and "python": 'name'),
    and end with `where` (e.g. "phase 'probe' of plan.yaml")."""
    tokens = _SURFACE.set(surface), _WHERE.set(where)
    try:
        yield
    finally:
        _SURFACE.reset(tokens[0])
        _WHERE.reset(tokens[1])


def surface() -> str:
    return _SURFACE.get()


def location() -> str:
    """Where the settings being checked were written ("" when not known)."""
    return _WHERE.get()


@dataclass(frozen=True)
class Setting:
    """What a field means to users: its constraint, help text, public name (when it differs from the field's),
    whether it is a command-line option, a valid example for error messages, and (rarely) its own error class."""

    check: Constraint
    help: str
    name: str | None = None
    cli: bool = True
    example: Any = None
    error: type[TransferkitError] | None = None  # instead of the record's

    def public(self, field_name: str) -> str:
        return self.name or field_name

    def flag(self, field_name: str) -> str:
        return "--" + self.public(field_name).replace("_", "-")


def setting(default: Any, check: Constraint, help: str, **options: Any) -> Any:
    """A dataclass field that is a user setting (`options`: name, cli, example; see Setting)."""
    meta = {"setting": Setting(check, help, **options)}
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def nested(record: type) -> Any:
    """A field holding another record (its settings are options of the outer one too)."""
    return field(default_factory=record, metadata={"nested": record})


def _spelled(name: str, s: Setting | None, value: Any) -> str:
    """`value` of setting `name` as the user would write it on the current surface."""
    where = surface()
    if where == "cli" and s is not None and s.cli:
        flag = s.flag(name)
        if isinstance(value, bool):
            return flag if value else "--no-" + flag[2:]
        text = ",".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
        return f"{flag} {text}"
    if where == "yaml":
        text = str(value).lower() if isinstance(value, bool) else str(value)
        return f"{name}: {text}"
    return f"{name}={value!r}"


def label(name: str, s: Setting | None = None) -> str:
    """How an error names setting `name`: `--flag-name` on the command line, else "The 'name' setting"."""
    if surface() == "cli" and s is not None and s.cli:
        return s.flag(name)
    return f"The '{name}' setting"


def problem(name: str, what: str, value: Any, s: Setting | None = None, example: Any = None,
            detail: str | None = None) -> str:
    """The one message form: "<setting> must be <what> (for example <fix>); got <value> (<detail>)."."""
    shown = example if example is not None else (s.example if s is not None and s.example is not None else (
        s.check.example if s is not None else None))
    fix = f" (for example {_spelled(name, s, shown)})" if shown is not None else ""
    notes = "; ".join(n for n in (detail, _WHERE.get()) if n)
    return f"{label(name, s)} must be {what}{fix}; got {value!r}{f' ({notes})' if notes else ''}."


class Record:
    """Base of every settings record (a dataclass): checks its settings on construction (and `validate()`), then
    the record's own rules between settings (`check`); round-trips through plain data (`to_dict`, `from_dict`).
    `error` is the error class its problems raise; `kind` names it in "Unknown <kind> setting" messages."""

    error: ClassVar[type[TransferkitError]] = TransferkitError
    kind: ClassVar[str] = "run"
    panel: ClassVar[str] = "Options"  # the group its options are listed under in --help

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        for f in fields(self):
            if "setting" in f.metadata:
                self._check_field(f.name, f.metadata["setting"])
            elif "nested" in f.metadata and not isinstance(getattr(self, f.name), f.metadata["nested"]):
                kind = f.metadata["nested"].__name__
                raise self.error(f"The '{f.name}' setting must be a {kind}; got {getattr(self, f.name)!r}.")
        self.check()

    def check(self) -> None:
        """Rules between settings (none by default)."""

    def _check_field(self, name: str, s: Setting) -> None:
        value = getattr(self, name)
        if value is None and self._default(name) is None:
            return
        try:
            kept = s.check.check(value)
        except Invalid as exc:
            error = s.error or self.error
            if exc.key is not None:
                raise error(problem(f"{s.public(name)}.{exc.key}", exc.what, exc.value, example=exc.example,
                                         detail=exc.detail)) from None
            raise error(problem(s.public(name), exc.what or s.check.what, value, s, detail=exc.detail)) from None
        if kept is not value:
            object.__setattr__(self, name, kept)

    @classmethod
    def _default(cls, name: str) -> Any:
        f = cls.__dataclass_fields__[name]
        return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default

    @classmethod
    def settings(cls) -> dict[str, tuple[str, ...]]:
        """Every public setting name -> the path of fields that holds it (nested records flattened)."""
        out: dict[str, tuple[str, ...]] = {}
        for f in fields(cls):
            if "setting" in f.metadata:
                out[f.metadata["setting"].public(f.name)] = (f.name,)
            elif "nested" in f.metadata:
                out.update({k: (f.name, *path) for k, path in f.metadata["nested"].settings().items()})
        return out

    @classmethod
    def setting_of(cls, path: tuple[str, ...]) -> tuple[Setting, Any]:
        """The Setting and default at a field path from `settings()`."""
        owner = cls
        for name in path[:-1]:
            owner = owner.__dataclass_fields__[name].metadata["nested"]
        return owner.__dataclass_fields__[path[-1]].metadata["setting"], owner._default(path[-1])

    @classmethod
    def from_settings(cls, given: dict[str, Any]) -> Record:
        """A record from public setting names (nested ones included); unknown names are refused."""
        return cls.with_settings(None, given)

    @classmethod
    def with_settings(cls, base: Record | None, given: dict[str, Any]) -> Record:
        """`base` (or the defaults) with the public settings `given` changed."""
        names = cls.settings()
        unknown = [k for k in given if k not in names]
        if unknown:
            raise TypeError(f"Unknown {cls.kind} setting {unknown[0]!r}.{suggestion(unknown[0], list(names))} "
                            f"Valid settings are {sorted(names)}.")
        return cls._build(base, {names[k]: v for k, v in given.items()})

    @classmethod
    def _build(cls, base: Record | None, by_path: dict[tuple[str, ...], Any]) -> Record:
        values: dict[str, Any] = {}
        for f in fields(cls):
            mine = {path: v for path, v in by_path.items() if path[0] == f.name}
            if "nested" in f.metadata:
                inner = getattr(base, f.name) if base is not None else None
                if mine or base is not None:
                    values[f.name] = f.metadata["nested"]._build(inner, {p[1:]: v for p, v in mine.items()})
            elif mine:
                values[f.name] = mine[(f.name,)]
            elif base is not None:
                values[f.name] = getattr(base, f.name)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any) -> Record:
        known = [f.name for f in fields(cls)]
        if not isinstance(data, dict):
            raise cls.error(f"The {cls.kind} settings must be a mapping of {known}; got {data!r}.")
        unknown = sorted(set(data) - set(known), key=str)
        if unknown:
            raise cls.error(f"Unknown {cls.kind} setting {unknown[0]!r}; valid settings are {sorted(known)}."
                            f"{suggestion(unknown[0], known)}")
        values = dict(data)
        for f in fields(cls):
            if "nested" in f.metadata and f.name in values:
                values[f.name] = f.metadata["nested"].from_dict(values[f.name])
        return cls(**values)


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "__fspath__"):
        return str(value)
    return value
