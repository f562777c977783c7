"""`fortunes`: the quotations of Debian's `fortunes` package (BSD licence), labelled by the topic file they come from.

Each file in /usr/share/games/fortunes (art, computers, food, law, ...) holds entries separated by a line `%`; the
file's name is the label. `fortunes?topics=food,law,science` keeps those topics; `min=N` drops topics with fewer
than N entries (default 20); `dir=PATH` reads another copy of the files.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from .registry import register_source
from .text_source import TextSource

FORTUNES_DIR = Path("/usr/share/games/fortunes")
MIN_ENTRIES = 20
OPTIONS = ("topics", "min", "dir")


def _options(argument: str) -> dict[str, str]:
    options = {}
    for part in filter(None, argument.split("&")):
        key, sep, value = part.partition("=")
        if not sep or key not in OPTIONS:
            raise DataError(f"Unknown fortunes option '{part}'; write fortunes?topics=A,B&min=N&dir=PATH.")
        options[key] = value
    return options


def entries(path: Path) -> list[bytes]:
    """The entries of one fortune file: the text between lines holding only '%'."""
    out, current = [], []
    for line in path.read_bytes().splitlines():
        if line.strip() == b"%":
            out.append(b"\n".join(current))
            current = []
        else:
            current.append(line)
    if any(line.strip() for line in current):  # text after the last '%'
        out.append(b"\n".join(current))
    return out


def topic_files(folder: Path) -> list[Path]:
    """The topic files: plain files without a suffix (not the .dat indexes or .u8 links)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and "." not in p.name)


@register_source
class FortunesSource(TextSource):
    """Debian fortunes by topic (needs the `fortunes` package)."""

    prefix = "fortunes"
    usage = "'fortunes[?topics=A,B]' (Debian fortunes quotations, labelled by topic)"

    @classmethod
    def open(cls, spec: str, argument: str, *, progress: bool = True) -> FortunesSource:
        options = _options(argument)
        folder = Path(options.get("dir") or FORTUNES_DIR)
        if not folder.is_dir() or not topic_files(folder):
            raise DataError(f"No fortune files in {folder}; install them (apt-get install fortunes) or pass "
                            "fortunes?dir=PATH.")
        files = {p.name: p for p in topic_files(folder)}
        wanted = [t for t in options.get("topics", "").split(",") if t]
        unknown = [t for t in wanted if t not in files]
        if unknown:
            raise DataError(f"Unknown fortunes topic '{unknown[0]}'; available: {', '.join(files)}.")
        least = int(options.get("min", MIN_ENTRIES)) if not wanted else 1
        rows = []
        for name in wanted or list(files):
            found = entries(files[name])
            if len(found) >= least:
                rows += [(f"{name}:{i}", raw, name, None) for i, raw in enumerate(found)]
        return cls(spec, rows, f"fortunes in {folder}")
