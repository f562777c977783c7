"""No function or method of the package takes more than 6 parameters besides self/cls: records group the rest.
The constructors that dataclasses generate for records are the records themselves, not functions of ours."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import transferkit

LIMIT = 6


def _modules():
    for info in pkgutil.walk_packages(transferkit.__path__, "transferkit."):
        if info.name.endswith("__main__"):
            continue
        yield importlib.import_module(info.name)


def _functions(module):
    """Functions and methods defined in `module` (not imported into it)."""
    for _, value in inspect.getmembers(module):
        if inspect.isfunction(value) and value.__module__ == module.__name__:
            yield value.__qualname__, value
        elif inspect.isclass(value) and value.__module__ == module.__name__:
            for name, member in vars(value).items():
                function = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
                if inspect.isfunction(function):
                    yield f"{value.__qualname__}.{name}", function


def _written(function) -> bool:
    """Written in a source file (not generated, as a dataclass's __init__ is)."""
    return function.__code__.co_filename.endswith(".py")


def _count(function) -> int:
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
             inspect.Parameter.KEYWORD_ONLY)
    names = [p.name for p in inspect.signature(function, follow_wrapped=False).parameters.values() if p.kind in kinds]
    return len(names) - (1 if names and names[0] in ("self", "cls") else 0)


def offenders() -> list[str]:
    found = set()
    for module in _modules():
        for name, function in _functions(module):
            if _written(function) and _count(function) > LIMIT:
                found.add(f"{function.__module__}.{name} ({_count(function)} parameters)")
    return sorted(found)


def test_no_function_takes_more_than_six_parameters():
    assert offenders() == []


def test_the_walk_sees_functions_with_many_parameters():
    def wide(a, b, c, d, e, f, g):  # seven: one too many
        return a

    def narrow(self, a, b, c, d, e, f):  # six besides self
        return a

    assert _count(wide) == 7 and _count(narrow) == 6 and _written(wide)
