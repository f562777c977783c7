"""Registries: a name -> entry table per kind of extension (strategies, data sources, backbone families, methods,
offline weights), filled by one registration per extension when its package is imported, and one "did you mean"."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from .errors import TransferkitError

T = TypeVar("T")


def suggestion(name: str, choices: list[str] | tuple[str, ...]) -> str:
    """" Did you mean 'x'?" for the closest of `choices` to `name`, or "" when none is close."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


class Registry(Generic[T]):
    """Entries of one kind by name. `kind` names them in errors ("strategy"); `error` is the error class raised for
    an unknown name; `usage` (optional) says what else the user may pass instead."""

    def __init__(self, kind: str, error: type[TransferkitError] = TransferkitError, usage: str = ""):
        self.kind, self.error, self.usage = kind, error, usage
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> T:
        """Make `entry` known as `name`; a name is registered once."""
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = entry
        return entry

    def decorator(self, name: str) -> Callable[[T], T]:
        """`@registry.decorator(name)`: register the decorated function or class."""
        return lambda entry: self.register(name, entry)

    def get(self, name: str) -> T:
        """The entry named `name`; `error` naming the valid choices and the closest one otherwise."""
        if name not in self._entries:
            raise self.error(self.unknown(name))
        return self._entries[name]

    def unknown(self, name: str) -> str:
        """The one-line message for an unknown `name`."""
        usage = f" or {self.usage}" if self.usage else ""
        return (f"Unknown {self.kind} {name!r}; choose one of {sorted(self._entries)}{usage}."
                f"{suggestion(name, list(self._entries))}")

    def names(self) -> list[str]:
        return list(self._entries)

    def items(self) -> list[tuple[str, T]]:
        return list(self._entries.items())

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)
