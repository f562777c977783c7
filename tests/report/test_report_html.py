"""report.html: one self-contained page that a browser renders with every figure, the leaderboard and the grids."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from support.browser import inspect_page, screenshot, shown_differences
from transferkit import adapt, build_report
from transferkit.cli import app
from transferkit.errors import RunError
from support.assertions import assert_one_line_error

runner = CliRunner()


def test_comparison_report_renders_in_chromium(tiny_comparison, tmp_path):
    report = tiny_comparison.report
    html = report.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    page = inspect_page(report, tmp_path)
    plans = ["linear-probe", "partial:k=1"]
    # leaderboard chart + one learning-curve figure per plan + the winner's confusion matrix + its mistakes (12
    # gallery images and the reliability diagram), all decoded and painted
    assert page["images"] == 1 + len(plans) + 1 + 12 + 1, page["image_alts"]
    assert page["loaded"] == page["painted"] == page["images"]
    assert page["external_refs"] == []
    assert page["leaderboard_chart"] and sorted(page["leaderboard_rows"]) == plans
    assert sorted(page["grids"]) == plans
    assert page["grid_cells"] == 2 * 6 and page["trained_cells"] == 1 + 2  # probe: head; partial: stage4 + head
    assert page["confusion"] and page["data_rows"] == 6 + 1
    assert page["descriptions"] == 8
    assert tiny_comparison.winner["plan"] in page["winner"]
    winner_runs = [r for r in tiny_comparison.runs if r["plan"] == tiny_comparison.winner["plan"]]
    first = min((r for r in winner_runs if r["candidate"] == next(row["candidate"] for row in tiny_comparison.rows
                                                                   if row.get("winner"))), key=lambda r: r["seed"])
    record = json.loads((tiny_comparison.dir / first["dir"] / "run.json").read_text())
    assert_mistakes_shown(page, record, tiny_comparison.report, tmp_path)


def assert_mistakes_shown(page, record, report, tmp_path):
    """The page shows the record's mistakes, and a screenshot shows every gallery image as its thumbnail."""
    mistakes = record["mistakes"]
    assert page["gallery"] == len(mistakes["gallery"]) == 12 and page["reliability"]
    assert page["confused_pairs"] == len(mistakes["confused_pairs"]) > 0
    for caption, entry in zip(page["gallery_captions"], mistakes["gallery"]):
        assert f"true {entry['true']}" in caption and f"predicted {entry['predicted']}" in caption
    png = screenshot(report, tmp_path / "page.png", page["height"])
    shown = shown_differences(png, page["gallery_boxes"], [e["thumbnail"] for e in mistakes["gallery"]])
    assert max(shown) < 2.0, shown


def test_the_page_check_sees_a_broken_image(tiny_comparison, tmp_path):
    broken = tmp_path / "broken.html"
    html = tiny_comparison.report.read_text(encoding="utf-8")
    broken.write_text(html.replace("data:image/png;base64,iVBOR", "data:image/png;base64,XXXX", 1), encoding="utf-8")
    page = inspect_page(broken, tmp_path / "check")
    assert page["loaded"] == page["images"] - 1

    # a gallery image that does not decode: the screenshot check finds it, and only it
    gallery = html.index('id="mistakes-gallery"')
    spot = html.index("base64,", gallery) + len("base64,")
    thumbnail = html[spot : html.index('"', spot)]
    broken.write_text(html[:spot] + "XXXX" + html[spot + 4 :], encoding="utf-8")
    page = inspect_page(broken, tmp_path / "check-gallery")
    assert page["loaded"] == page["painted"] == page["images"] - 1
    png = screenshot(broken, tmp_path / "broken.png", page["height"])
    shown = shown_differences(png, page["gallery_boxes"][:2], [thumbnail, thumbnail])
    assert shown[0] > 20 and shown[1] > 0


def test_adapt_writes_the_same_report_for_one_run(tiny_model_dir, small_digits, tmp_path):
    run = adapt(str(tiny_model_dir), small_digits, "partial:k=2", out=tmp_path / "run",
                epochs=2, progress=False)
    page = inspect_page(run.dir / "report.html", tmp_path / "check")
    # learning curves, confusion matrix, 12 gallery images and the reliability diagram
    assert page["images"] == 2 + 12 + 1 and page["loaded"] == page["painted"] == page["images"]
    assert page["leaderboard_rows"] == ["partial:k=2"] and page["grids"] == ["partial:k=2"]
    assert page["trained_cells"] == 3 and page["descriptions"] == 1
    assert run.description in (run.dir / "report.html").read_text(encoding="utf-8").replace("&#x27;", "'")
    assert_mistakes_shown(page, run.record, run.dir / "report.html", tmp_path)


@pytest.mark.integration
def test_report_command_rebuilds_from_run_directories(tiny_comparison, tmp_path):
    copy = tmp_path / "cmp"
    shutil.copytree(tiny_comparison.dir, copy)
    (copy / "report.html").unlink()
    result = runner.invoke(app, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert (copy / "report.html").read_text() == tiny_comparison.report.read_text()

    # a plain folder of run directories (no leaderboard.json): grouped by plan, chosen on validation
    (copy / "leaderboard.json").unlink()
    build_report(copy / "runs")
    page = inspect_page(copy / "runs" / "report.html", tmp_path / "check")
    assert page["loaded"] == page["images"] >= 3
    assert sorted(page["leaderboard_rows"]) == ["linear-probe", "partial:k=1"] and page["descriptions"] == 8

    # a single run directory gets its own report
    one = next(p.parent for p in (copy / "runs").rglob("run.json"))
    build_report(one)
    assert json.loads((one / "run.json").read_text())["term"] in (one / "report.html").read_text()


def test_report_of_a_directory_without_runs_is_a_one_line_error(tmp_path):
    assert_one_line_error(RunError, lambda: build_report(tmp_path), "No run directories", "transferkit")
    result = runner.invoke(app, ["report", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "is not a directory" in result.output and "Traceback" not in result.output


def test_a_comparisons_runs_leave_their_figures_to_its_report_and_redraw_them_on_request(tiny_comparison, tmp_path):
    # every run of a comparison drew its own figures (about a second per run on 2 cores), which its report draws too
    copy = tmp_path / "cmp"
    shutil.copytree(tiny_comparison.dir, copy)
    one = next(p.parent for p in (copy / "runs").rglob("run.json"))
    page = (one / "report.html").read_text(encoding="utf-8")
    assert page.count("Figure left out") >= 2 and "transferkit report DIR" in page
    assert 'alt="learning curves' not in page and 'alt="learning curves' in (copy / "report.html").read_text()
    result = runner.invoke(app, ["report", str(one)])
    assert result.exit_code == 0, result.output
    redrawn = (one / "report.html").read_text(encoding="utf-8")
    assert "Figure left out" not in redrawn and 'alt="learning curves' in redrawn
    assert redrawn.count("data:image/png") >= page.count("data:image/png") + 2
