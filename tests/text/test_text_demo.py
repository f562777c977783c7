"""`transferkit demo --text`: the demo's question for the real all-MiniLM-L6-v2 on fortunes, at the text part's own
epoch budget unless --epochs says otherwise."""

from __future__ import annotations

import json

import pytest

import transferkit.demo as demo
from transferkit.settings.demo import DemoSettings


@pytest.mark.integration
@pytest.mark.parametrize("epochs, expected", [(None, 3), (1, 1)])
def test_the_text_demo_compares_on_fortunes_at_its_own_epochs(tmp_path, epochs, expected):
    result = demo.run_demo(DemoSettings(out=tmp_path / "demo", seeds=1, epochs=epochs, text=True),
                           strategies=["linear-probe"], progress=False)

    [source] = result.sources
    board = json.loads((tmp_path / "demo" / "text-all-minilm-l6-v2" / "leaderboard.json").read_text())
    assert board["data"] == demo.TEXT["data"] and board["epochs"] == expected
    assert board["winner"]["plan"] == "linear-probe" and source.comparison.winner["plan"] == "linear-probe"
    run = json.loads(next((tmp_path / "demo" / "text-all-minilm-l6-v2").glob("runs/*/*/*/run.json")).read_text())
    assert run["spec"]["model"]["max_length"] == demo.TEXT["max_length"]
