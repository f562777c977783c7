"""Write report.html for a run directory, a comparison directory, or any folder of run directories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import RunError
from ..select.document import DocumentHeading, comparison_document
from ..select.entries import entry_from_record
from .html import render_report
from ..files import read_json, write_text

REPORT = "report.html"


def run_document(record: dict[str, Any], run_dir: str = ".") -> dict[str, Any]:
    """The one-row document of a single run (for the report that `adapt` writes into its run directory)."""
    entry = entry_from_record(record, run_dir)
    settings = {"model": record["source_model"]["spec"], "data": record["data"]["spec"], "seeds": [record["seed"]],
                "epochs": entry["epochs"]}
    heading = DocumentHeading("run", f"transferkit run: {record['term']}", settings)
    return comparison_document([entry], heading, show_test=True)


def run_report_html(record: dict[str, Any]) -> str:
    """report.html of a single run, from its run.json content."""
    return render_report(run_document(record), {".": record})


def load_records(root: Path, doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """run.json of every run the document names, keyed by its directory relative to `root`."""
    records = {}
    for entry in doc["runs"]:
        if entry.get("dir"):
            records[entry["dir"]] = read_json(root / entry["dir"] / "run.json")
    return records


def build_report(path: str | Path) -> Path:
    """Rebuild `path`/report.html from leaderboard.json, from run.json, or from the run directories below `path`."""
    root = Path(path)
    if not root.is_dir():
        raise RunError(f"'{root}' is not a directory; give a directory written by 'transferkit adapt' or 'compare'.")
    if (root / "leaderboard.json").is_file():
        doc = read_json(root / "leaderboard.json")
        html = render_report(doc, load_records(root, doc))
    elif (root / "run.json").is_file():
        html = run_report_html(read_json(root / "run.json"))
    else:
        found = sorted(p.parent for p in root.rglob("run.json") if not any(part.startswith(".") for part in
                                                                         p.relative_to(root).parts))
        if not found:
            raise RunError(f"No run directories (run.json) under '{root}'; give a directory written by "
                           f"'transferkit adapt' or 'transferkit compare'.")
        records = {str(d.relative_to(root)): read_json(d / "run.json") for d in found}
        entries = [entry_from_record(r, key) for key, r in records.items()]
        first = next(iter(records.values()))
        settings = {"model": first["source_model"]["spec"], "data": first["data"]["spec"],
                    "seeds": sorted({r["seed"] for r in records.values()})}
        doc = comparison_document(entries, DocumentHeading("runs", f"transferkit report: {root.name}", settings))
        html = render_report(doc, records)
    out = root / REPORT
    write_text(out, html)
    return out
